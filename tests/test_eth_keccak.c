/* Keccak-256 (chains/ethereum/keccak.c): the standard vectors of the Keccak team's
 * submission (empty, "abc", the 448- and 896-bit messages, 200 bytes of 0xa3 spanning two
 * blocks of the 136-byte rate), every split of a message across update calls, and mainnet
 * hashes: the genesis header. (Every block and transaction hash of the RLP fixtures is
 * checked in test_eth_block.c.) */
#include <criterion/criterion.h>
#include <string.h>

#include "chaintrail/ethereum.h"
#include "testutil.h"
#include "base/util.h"

static void assert_keccak(const void *msg, size_t len, const char *want_hex)
{
    uint8_t h[32];
    char hex[65];
    ct_keccak256(h, msg, len);
    ct_hex_encode(hex, h, 32);
    cr_assert_str_eq(hex, want_hex, "keccak of %zu bytes", len);
}

Test(eth_keccak, standard_vectors)
{
    assert_keccak("", 0, "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
    assert_keccak("abc", 3, "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
    const char *m448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    assert_keccak(m448, strlen(m448),
                  "45d3b367a6904e6e8d502ee04999a7c27647f91fa845d456525fd352ae3d7371");
    const char *m896 = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
                       "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
    assert_keccak(m896, strlen(m896),
                  "f519747ed599024f3882238e5ab43960132572b7345fbeb9a90769dafd21ad67");
    uint8_t a3[200];
    memset(a3, 0xa3, sizeof a3);
    assert_keccak(a3, sizeof a3,
                  "3a57666b048777f2c953dc4456f45a2588e1cb6f2da760122d530ac2ce607d4a");
}

/* Not SHA3-256: the same empty message under FIPS 202 padding is a7ffc6f8...; a Keccak
 * that used the 0x06 padding would fail the vectors above, this pins the difference. */
Test(eth_keccak, differs_from_sha3)
{
    uint8_t h[32];
    ct_keccak256(h, "", 0);
    cr_assert_neq(h[0], 0xa7);
}

/* Every split point of a 300-byte message (around both 136-byte block boundaries) and
 * byte-by-byte feeding give the one-shot hash. */
Test(eth_keccak, incremental_splits)
{
    uint8_t msg[300], want[32], got[32];
    for (size_t i = 0; i < sizeof msg; i++)
        msg[i] = (uint8_t)(i * 7 + 3);
    ct_keccak256(want, msg, sizeof msg);
    for (size_t cut = 0; cut <= sizeof msg; cut++) {
        ct_keccak_ctx c;
        ct_keccak256_init(&c);
        ct_keccak256_update(&c, msg, cut);
        ct_keccak256_update(&c, msg + cut, sizeof msg - cut);
        ct_keccak256_final(&c, got);
        cr_assert_arr_eq(got, want, 32, "split at %zu", cut);
    }
    ct_keccak_ctx c;
    ct_keccak256_init(&c);
    for (size_t i = 0; i < sizeof msg; i++)
        ct_keccak256_update(&c, msg + i, 1);
    ct_keccak256_final(&c, got);
    cr_assert_arr_eq(got, want, 32);
    /* Exactly one rate block and one byte less: the padding byte lands at both ends. */
    for (size_t n = 135; n <= 137; n++) {
        ct_keccak256(want, msg, n);
        ct_keccak256_init(&c);
        ct_keccak256_update(&c, msg, n);
        ct_keccak256_final(&c, got);
        cr_assert_arr_eq(got, want, 32);
    }
}

/* Mainnet: the genesis header (a 535-byte message, four rate blocks) hashes to the
 * genesis hash. */
Test(eth_keccak, mainnet_hashes)
{
    size_t len;
    uint8_t *blk = tu_read_fixture("eth/rlp_blocks/ethgenesis.bin", &len);
    /* The header is the block's first item: f9 02 14 ... (0x214 + 3 bytes). */
    cr_assert_eq(blk[1], 0x02);
    cr_assert_eq(blk[3], 0xf9);
    size_t hlen = 3 + ((size_t)blk[4] << 8 | blk[5]);
    uint8_t h[32];
    char hex[65];
    ct_keccak256(h, blk + 3, hlen);
    ct_hex_encode(hex, h, 32);
    cr_assert_str_eq(hex, "d4e56740f876aef8c010b86a40d5f56745a118d0906a34e69aec8c0db1cb8fa3");
    free(blk);
}
