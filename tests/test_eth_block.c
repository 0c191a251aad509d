/* Ethereum RLP blocks (chains/ethereum/block.c) on the hadoopcryptoledger mainnet fixtures
 * (Apache-2.0, fixtures/eth/rlp_blocks): every header hash equals the mainnet block hash
 * (MANIFEST.md, and the parent-hash chain inside consecutive files), transaction and uncle
 * counts are exact, every transaction is decoded and its sender recovered; block 1346406's
 * transaction hashes and senders equal those asserted by hadoopcryptoledger's own tests
 * (EthereumUtilTest.java). Bad blocks are rejected with their reason and position. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chaintrail/ethereum.h"
#include "testutil.h"
#include "base/util.h"

typedef struct file_expect {
    const char *file;
    unsigned n_blocks;
    uint64_t first;
    unsigned n_tx;
    unsigned n_uncles;
    const char *last_hash;
} file_expect;

static const file_expect files[] = {
    {"ethgenesis.bin", 1, 0, 0, 0,
     "d4e56740f876aef8c010b86a40d5f56745a118d0906a34e69aec8c0db1cb8fa3"},
    {"eth0to10.bin", 11, 0, 0, 3,
     "4ff4a38b278ab49f7739d3a4ed4e12714386a9fdf72192f2e8f7da7822f10b4d"},
    {"eth1346406.bin", 1, 1346406, 6, 0,
     "2e6be1a4d814b648070a9fa40b11b893fae041caff1657ddc405028bdc5cd2f5"},
    {"eth3346406.bin", 1, 3346406, 7, 0,
     "47328b6d49062ed8d0bd3cf2ca18adbae02e6411fbeea502702e20566b248678"},
    {"eth3510000to3510010.bin", 11, 3510000, 212, 2,
     "78a8389bf8c502825dd21149aa397cfba6f918b90164c4f5fc7a02dd15d2480a"},
    {"eth4800251.bin", 1, 4800251, 69, 0,
     "41d6f0bfc69031b20fd9743c77c1e39db52460d5e2a2cdb7ee328320ddb8ab4f"},
    {"eth4910000.bin", 1, 4910000, 236, 0,
     "3c4e74d271c346ae3a9dc642a54c0c1998fdc2a6a9180072fc679a8a5d6f041a"},
    {"eth403419.bin", 1, 403419, 2, 0,
     "7c5114ca73210814bc6ea871f60f391c32a5b757f5144b17ceb3d90a9427477b"},
    {"eth447533.bin", 1, 447533, 2, 0,
     "2d2c01c06fc0cdbc92f67a6632b12b74324595d41a2f19d836b977541c646384"},
};

Test(eth_block, hadoopcryptoledger_files)
{
    unsigned total_tx = 0;
    for (size_t fi = 0; fi < sizeof files / sizeof files[0]; fi++) {
        const file_expect *e = &files[fi];
        char rel[128];
        size_t len, off = 0;
        snprintf(rel, sizeof rel, "eth/rlp_blocks/%s", e->file);
        uint8_t *data = tu_read_fixture(rel, &len);
        ct_eth_block blk;
        ct_eth_block_init(&blk);
        unsigned nb = 0, ntx = 0, nun = 0;
        uint8_t prev[32];
        while (off < len) {
            size_t used;
            ct_error err;
            ct_error_clear(&err);
            cr_assert_eq(ct_eth_block_decode(&blk, data + off, len - off, &used, &err), CT_OK,
                         "%s: %s: %s", e->file, err.reason, err.detail);
            cr_assert_eq(blk.header.number, e->first + nb, "%s", e->file);
            cr_assert_eq(blk.header.n_fields, 15); /* pre-London headers */
            cr_assert(!blk.has_withdrawals);
            if (nb > 0)
                cr_assert_arr_eq(blk.header.parent_hash, prev, 32, "%s: chain broken", e->file);
            memcpy(prev, blk.header.hash, 32);
            /* the encoder gives back the decoded header's hash, uncles' too */
            ct_eth_header again = blk.header;
            memset(again.hash, 0, 32);
            cr_assert_eq(ct_eth_header_compute_hash(&again, NULL), CT_OK);
            cr_assert_arr_eq(again.hash, blk.header.hash, 32, "%s", e->file);
            for (uint32_t u = 0; u < blk.n_uncles; u++) {
                again = blk.uncles[u];
                memset(again.hash, 0, 32);
                cr_assert_eq(ct_eth_header_compute_hash(&again, NULL), CT_OK);
                cr_assert_arr_eq(again.hash, blk.uncles[u].hash, 32, "%s", e->file);
            }
            cr_assert_eq(ct_eth_block_recover(&blk, 1, &err), CT_OK, "%s block %llu: %s: %s",
                         e->file, (unsigned long long)blk.header.number, err.reason, err.detail);
            for (uint32_t i = 0; i < blk.n_tx; i++) {
                cr_assert(blk.tx[i].has_from);
                uint8_t h[32];
                ct_keccak256(h, blk.tx[i].raw, blk.tx[i].raw_len);
                cr_assert_arr_eq(h, blk.tx[i].hash, 32);
                cr_assert_eq(blk.tx[i].type, CT_ETH_TX_LEGACY);
            }
            /* uncle headers are decoded: each is one block number below or more */
            for (uint32_t u = 0; u < blk.n_uncles; u++)
                cr_assert_lt(blk.uncles[u].number, blk.header.number);
            ntx += blk.n_tx;
            nun += blk.n_uncles;
            nb++;
            off += used;
        }
        cr_assert_eq(nb, e->n_blocks, "%s", e->file);
        cr_assert_eq(ntx, e->n_tx, "%s", e->file);
        cr_assert_eq(nun, e->n_uncles, "%s", e->file);
        char hex[65];
        ct_hex_encode(hex, prev, 32);
        cr_assert_str_eq(hex, e->last_hash, "%s", e->file);
        total_tx += ntx;
        ct_eth_block_release(&blk);
        free(data);
    }
    cr_assert_eq(total_tx, 534);
}

/* The eleven block hashes of 0-10: well-known mainnet values, checked one by one. */
Test(eth_block, first_blocks_hashes)
{
    static const char *want[] = {
        "d4e56740f876aef8c010b86a40d5f56745a118d0906a34e69aec8c0db1cb8fa3",
        "88e96d4537bea4d9c05d12549907b32561d3bf31f45aae734cdc119f13406cb6",
        "b495a1d7e6663152ae92708da4843337b958146015a2802f4193a410044698c9",
        "3d6122660cc824376f11ee842f83addc3525e2dd6756b9bcf0affa6aa88cf741",
        "23adf5a3be0f5235b36941bcb29b62504278ec5b9cdfa277b992ba4a7a3cd3a2",
        "f37c632d361e0a93f08ba29b1a2c708d9caa3ee19d1ee8d2a02612bffe49f0a9",
        "1f1aed8e3694a067496c248e61879cda99b0709a1dfbacd0b693750df06b326e",
        "e0c7c0b46e116b874354dce6f64b8581bd239186b03f30a978e3dc38656f723a",
        "2ce94342df186bab4165c268c43ab982d360c9474f429fec5565adfc5d1f258b",
        "997e47bf4cac509c627753c06385ac866641ec6f883734ff7944411000dc576e",
        "4ff4a38b278ab49f7739d3a4ed4e12714386a9fdf72192f2e8f7da7822f10b4d",
    };
    size_t len, off = 0;
    uint8_t *data = tu_read_fixture("eth/rlp_blocks/eth0to10.bin", &len);
    ct_eth_block blk;
    ct_eth_block_init(&blk);
    for (unsigned i = 0; i < 11; i++) {
        size_t used;
        ct_error err;
        char hex[65];
        cr_assert_eq(ct_eth_block_decode(&blk, data + off, len - off, &used, &err), CT_OK);
        ct_hex_encode(hex, blk.header.hash, 32);
        cr_assert_str_eq(hex, want[i], "block %u", i);
        cr_assert_eq(blk.n_uncles, (i == 3 || i == 4 || i == 7) ? 1u : 0u, "block %u", i);
        off += used;
    }
    cr_assert_eq(off, len);
    ct_eth_block_release(&blk);
    free(data);
}

/* Block 1346406: transaction hashes and senders as hadoopcryptoledger asserts them. */
Test(eth_block, block_1346406_senders)
{
    static const char *hash[] = {
        "e27e9288e29cc8eb78f9f768d89bf1cd4b68b715a38b95d46d778618cb104d58",
        "7a232aa2ae6a5e1f32ca3ac93f4fdb77983e932b38099356444208c69d408681",
        "1433e3cb662f668d87b83555345a20ccf8706f25214918e2f81fe3d21c9d5b23",
        "3922f7f60a33a12d139d67fa5330dbfdba42a4b767296eff6415eea32d8a7b2b",
        "bb7caa23385a0f73753f9e28d8f0602fe2e72d87e1e095527528d144885d6b51",
        "bcde6f49842c6d738d64328f7809b1d49bf0ff3ffa460fddd27fd42b7a01fc9a",
    };
    static const char *from[] = {
        "39424bd28a2223da3e14bf793cf7f8208ee9980a", "4bb96091ee9d802ed039c4d1a5f6216f90f81b01",
        "63a9975ba31b0b9626b34300f7f627147df1f526", "63a9975ba31b0b9626b34300f7f627147df1f526",
        "63a9975ba31b0b9626b34300f7f627147df1f526", "63a9975ba31b0b9626b34300f7f627147df1f526",
    };
    size_t len;
    uint8_t *data = tu_read_fixture("eth/rlp_blocks/eth1346406.bin", &len);
    ct_eth_block blk;
    ct_error err;
    ct_eth_block_init(&blk);
    cr_assert_eq(ct_eth_block_decode(&blk, data, len, NULL, &err), CT_OK);
    cr_assert_eq(ct_eth_block_recover(&blk, 1, &err), CT_OK);
    cr_assert_eq(blk.n_tx, 6);
    for (uint32_t i = 0; i < 6; i++) {
        char hex[65];
        ct_hex_encode(hex, blk.tx[i].hash, 32);
        cr_assert_str_eq(hex, hash[i], "tx %u", i);
        ct_hex_encode(hex, blk.tx[i].from, 20);
        cr_assert_str_eq(hex, from[i], "tx %u", i);
        cr_assert(!blk.tx[i].has_chain_id); /* before EIP-155 */
    }
    /* six plain transfers (no call data, a recipient) use 21,000 gas each */
    for (uint32_t i = 0; i < 6; i++)
        cr_assert(blk.tx[i].input_len == 0 && blk.tx[i].has_to);
    cr_assert_eq(blk.header.gas_used, 6 * 21000);
    ct_eth_block_release(&blk);
    free(data);
}

Test(eth_block, bad_blocks)
{
    size_t len;
    uint8_t *data = tu_read_fixture("eth/rlp_blocks/eth1346406.bin", &len);
    ct_eth_block blk;
    ct_error err;
    ct_eth_block_init(&blk);

    /* cut short: the block's list claims more than the input (E3) */
    ct_error_clear(&err);
    cr_assert_eq(ct_eth_block_decode(&blk, data, len - 1, NULL, &err), CT_ECORRUPT);
    cr_assert_str_eq(err.reason, "value size exceeds available input");
    cr_assert_eq(err.offset, 0);

    /* a trailing byte without `used` (E6) */
    uint8_t *more = malloc(len + 1);
    memcpy(more, data, len);
    more[len] = 0x00;
    ct_error_clear(&err);
    cr_assert_eq(ct_eth_block_decode(&blk, more, len + 1, NULL, &err), CT_ECORRUPT);
    cr_assert_str_eq(err.reason, "trailing bytes");
    cr_assert_eq(err.offset, len);
    free(more);

    /* the claimed size of E3 without allocating */
    static const uint8_t huge[] = {0xbf, 0x0f, 0, 0, 0, 0, 0, 0, 0x02, 0x11, 0x11};
    ct_error_clear(&err);
    cr_assert_eq(ct_eth_block_decode(&blk, huge, sizeof huge, NULL, &err), CT_ECORRUPT);
    cr_assert_str_eq(err.reason, "value size exceeds available input");

    /* transaction 3's v changed from 27/28 to 29: the block decodes, recovery names it */
    cr_assert_eq(ct_eth_block_decode(&blk, data, len, NULL, &err), CT_OK);
    size_t v_off = (size_t)(blk.tx[3].raw - data) + blk.tx[3].raw_len - 67;
    cr_assert(data[v_off] == 27 || data[v_off] == 28);
    data[v_off] = 29;
    ct_error_clear(&err);
    cr_assert_eq(ct_eth_block_decode(&blk, data, len, NULL, &err), CT_OK);
    cr_assert_eq(ct_eth_block_recover(&blk, 1, &err), CT_ECORRUPT);
    cr_assert_str_eq(err.reason, "invalid signature");
    cr_assert_eq(err.tx_index, 3);
    cr_assert_eq(err.height, 1346406);
    cr_assert_eq(err.offset, (uint64_t)(blk.tx[3].raw - data));

    ct_eth_block_release(&blk);
    free(data);
}

Test(eth_block, header_field_counts)
{
    size_t len;
    uint8_t *data = tu_read_fixture("eth/rlp_blocks/ethgenesis.bin", &len);
    /* The genesis header item starts at offset 3 (f9 02 14 ...). */
    size_t hlen = 3 + ((size_t)data[4] << 8 | data[5]);
    ct_eth_header h;
    ct_error err;
    cr_assert_eq(ct_eth_header_decode(&h, data + 3, hlen, &err), CT_OK);
    cr_assert_eq(h.n_fields, 15);
    cr_assert_eq(h.number, 0);
    cr_assert_eq(h.gas_limit, 5000);
    cr_assert_eq(h.difficulty.w[0], 17179869184ull); /* 2^34 */
    cr_assert_eq(h.extra_data_len, 32);
    cr_assert(!h.has_base_fee);
    /* Appending one field at a time: 16 (London), 17 (Shanghai) accepted, 18 and 19
     * rejected, 20 (Cancun) and 21 (Prague) accepted, 22 rejected. */
    uint8_t buf[1024];
    size_t payload = hlen - 3;
    for (unsigned extra = 1; extra <= 7; extra++) {
        /* field 16 base fee (an integer), 17 a root, 18/19 integers, 20/21 roots */
        size_t add = 0;
        uint8_t tail[256];
        for (unsigned k = 1; k <= extra; k++) {
            unsigned field = 15 + k;
            if (field == 16 || field == 18 || field == 19) {
                tail[add++] = 0x07;
            } else {
                tail[add++] = 0xa0;
                memset(tail + add, 0x11 * k, 32);
                add += 32;
            }
        }
        size_t plen = payload + add;
        buf[0] = 0xf9;
        buf[1] = (uint8_t)(plen >> 8);
        buf[2] = (uint8_t)plen;
        memcpy(buf + 3, data + 6, payload);
        memcpy(buf + 3 + payload, tail, add);
        ct_error_clear(&err);
        int rc = ct_eth_header_decode(&h, buf, 3 + plen, &err);
        unsigned n = 15 + extra;
        if (n == 18 || n == 19 || n == 22) {
            cr_assert_eq(rc, CT_ECORRUPT, "%u fields", n);
            cr_assert_str_eq(err.reason, n == 22 ? "too many fields" : "too few fields");
        } else {
            cr_assert_eq(rc, CT_OK, "%u fields: %s", n, err.reason);
            cr_assert_eq(h.n_fields, n);
            cr_assert(h.has_base_fee);
            cr_assert_eq(h.base_fee.w[0], 7);
            cr_assert_eq(h.has_withdrawals_root, n >= 17);
            cr_assert_eq(h.has_blob_gas, n >= 20);
            cr_assert_eq(h.has_requests_hash, n == 21);
            /* every fork's field set encodes back to the bytes hashed */
            ct_eth_header again = h;
            memset(again.hash, 0, 32);
            again.n_fields = 0;
            cr_assert_eq(ct_eth_header_compute_hash(&again, NULL), CT_OK);
            cr_assert_eq(again.n_fields, n);
            cr_assert_arr_eq(again.hash, h.hash, 32, "%u fields", n);
            if (n >= 20) {
                cr_assert_eq(h.blob_gas_used, 7);
                cr_assert_eq(h.excess_blob_gas, 7);
                cr_assert_eq(h.parent_beacon_root[0], 0x55);
            }
        }
    }
    /* a later fork's field without an earlier one's belongs to no fork */
    cr_assert_eq(ct_eth_header_decode(&h, data + 3, hlen, &err), CT_OK);
    h.has_withdrawals_root = true;
    cr_assert_eq(ct_eth_header_compute_hash(&h, &err), CT_ECORRUPT);
    cr_assert_str_eq(err.reason, "bad-header");
    free(data);
}

/* A post-Shanghai block: the genesis header extended to 17 fields, no transactions or
 * uncles, and two withdrawals. No such mainnet block is among the RLP fixtures, so it is
 * built here with the encoder. */
#include "ethereum/rlp.h"

static void put_withdrawal(ct_buf *b, uint64_t index, uint64_t validator, uint8_t addr_byte,
                           size_t addr_len, uint64_t gwei)
{
    uint8_t addr[21];
    memset(addr, addr_byte, sizeof addr);
    size_t mark = ct_rlp_list_begin(b);
    cr_assert_eq(ct_rlp_put_u64(b, index), CT_OK);
    cr_assert_eq(ct_rlp_put_u64(b, validator), CT_OK);
    cr_assert_eq(ct_rlp_put_string(b, addr, addr_len), CT_OK);
    cr_assert_eq(ct_rlp_put_u64(b, gwei), CT_OK);
    cr_assert_eq(ct_rlp_list_end(b, mark), CT_OK);
}

/* n_items: the header and n_items - 1 lists (transactions, uncles, withdrawals, ...) */
static void build_shanghai_block(ct_buf *b, const uint8_t *genesis, size_t addr_len,
                                 unsigned n_items)
{
    size_t payload = (size_t)genesis[4] << 8 | genesis[5];
    uint8_t root[32];
    memset(root, 0x77, sizeof root);
    ct_buf_reset(b);
    size_t blk = ct_rlp_list_begin(b);
    size_t hdr = ct_rlp_list_begin(b);
    cr_assert_eq(ct_rlp_put_raw(b, genesis + 6, payload), CT_OK); /* the 15 fields */
    cr_assert_eq(ct_rlp_put_u64(b, 1000000000), CT_OK);           /* base fee */
    cr_assert_eq(ct_rlp_put_string(b, root, 32), CT_OK);          /* withdrawals root */
    cr_assert_eq(ct_rlp_list_end(b, hdr), CT_OK);
    for (unsigned l = 0; l < n_items - 1; l++) {
        size_t m = ct_rlp_list_begin(b);
        if (l == 2) {
            put_withdrawal(b, 17, 4242, 0xab, addr_len, 32000000000ull);
            put_withdrawal(b, 18, 4243, 0xcd, 20, 1);
        }
        cr_assert_eq(ct_rlp_list_end(b, m), CT_OK);
    }
    cr_assert_eq(ct_rlp_list_end(b, blk), CT_OK);
}

Test(eth_block, withdrawals)
{
    size_t len;
    uint8_t *genesis = tu_read_fixture("eth/rlp_blocks/ethgenesis.bin", &len);
    ct_buf b;
    ct_buf_init(&b, 1 << 20);
    ct_eth_block blk;
    ct_error err;
    ct_eth_block_init(&blk);

    build_shanghai_block(&b, genesis, 20, 4);
    cr_assert_eq(ct_eth_block_decode(&blk, b.data, b.len, NULL, &err), CT_OK, "%s: %s", err.reason,
                 err.detail);
    cr_assert_eq(blk.header.n_fields, 17);
    cr_assert(blk.header.has_withdrawals_root && !blk.header.has_blob_gas);
    cr_assert_eq(blk.header.base_fee.w[0], 1000000000);
    cr_assert(blk.has_withdrawals);
    cr_assert_eq(blk.n_tx, 0);
    cr_assert_eq(blk.n_uncles, 0);
    cr_assert_eq(blk.n_withdrawals, 2);
    cr_assert_eq(blk.withdrawals[0].index, 17);
    cr_assert_eq(blk.withdrawals[0].validator, 4242);
    cr_assert_eq(blk.withdrawals[0].address[19], 0xab);
    cr_assert_eq(blk.withdrawals[0].amount_gwei, 32000000000ull);
    cr_assert_eq(blk.withdrawals[1].index, 18);
    cr_assert_eq(blk.withdrawals[1].amount_gwei, 1);
    uint8_t h[32];
    /* the header hash is Keccak-256 of the header item (the block's first item) */
    size_t hlen = 3 + ((size_t)b.data[4] << 8 | b.data[5]);
    ct_keccak256(h, b.data + 3, hlen);
    cr_assert_arr_eq(h, blk.header.hash, 32);

    /* a withdrawal address of 21 bytes */
    build_shanghai_block(&b, genesis, 21, 4);
    ct_error_clear(&err);
    cr_assert_eq(ct_eth_block_decode(&blk, b.data, b.len, NULL, &err), CT_ECORRUPT);
    cr_assert_str_eq(err.reason, "bad length");
    /* header + four lists */
    build_shanghai_block(&b, genesis, 20, 5);
    ct_error_clear(&err);
    cr_assert_eq(ct_eth_block_decode(&blk, b.data, b.len, NULL, &err), CT_ECORRUPT);
    cr_assert_str_eq(err.reason, "too many fields");
    /* header + one list */
    build_shanghai_block(&b, genesis, 20, 2);
    ct_error_clear(&err);
    cr_assert_eq(ct_eth_block_decode(&blk, b.data, b.len, NULL, &err), CT_ECORRUPT);
    cr_assert_str_eq(err.reason, "too few fields");

    ct_eth_block_release(&blk);
    ct_buf_release(&b);
    free(genesis);
}

/* Typed transactions sit in a block's list as strings; a legacy list wrapped the same way is
 * rejected (as go-ethereum does), with the transaction's index. */
Test(eth_block, legacy_tx_wrapped_in_a_string)
{
    size_t len, tlen;
    uint8_t *genesis = tu_read_fixture("eth/rlp_blocks/ethgenesis.bin", &len);
    uint8_t *one = tu_read_fixture("eth/rlp_blocks/eth1346406.bin", &tlen);
    ct_eth_block src, blk;
    ct_error err;
    ct_eth_block_init(&src);
    ct_eth_block_init(&blk);
    cr_assert_eq(ct_eth_block_decode(&src, one, tlen, NULL, &err), CT_OK);
    for (int wrap = 0; wrap <= 1; wrap++) {
        ct_buf b;
        ct_buf_init(&b, 1 << 20);
        size_t payload = (size_t)genesis[4] << 8 | genesis[5];
        size_t m = ct_rlp_list_begin(&b);
        cr_assert_eq(ct_rlp_put_raw(&b, genesis + 3, 3 + payload), CT_OK); /* header item */
        size_t txs = ct_rlp_list_begin(&b);
        cr_assert_eq(ct_rlp_put_raw(&b, src.tx[0].raw, src.tx[0].raw_len), CT_OK);
        if (wrap)
            cr_assert_eq(ct_rlp_put_string(&b, src.tx[1].raw, src.tx[1].raw_len), CT_OK);
        else
            cr_assert_eq(ct_rlp_put_raw(&b, src.tx[1].raw, src.tx[1].raw_len), CT_OK);
        cr_assert_eq(ct_rlp_list_end(&b, txs), CT_OK);
        size_t un = ct_rlp_list_begin(&b);
        cr_assert_eq(ct_rlp_list_end(&b, un), CT_OK);
        cr_assert_eq(ct_rlp_list_end(&b, m), CT_OK);
        ct_error_clear(&err);
        int rc = ct_eth_block_decode(&blk, b.data, b.len, NULL, &err);
        if (!wrap) {
            cr_assert_eq(rc, CT_OK, "%s", err.reason);
            cr_assert_eq(blk.n_tx, 2);
            cr_assert_arr_eq(blk.tx[1].hash, src.tx[1].hash, 32);
        } else {
            cr_assert_eq(rc, CT_ECORRUPT);
            cr_assert_str_eq(err.reason, "type not supported");
            cr_assert_eq(err.tx_index, 1);
            cr_assert_eq(err.height, 0);
        }
        ct_buf_release(&b);
    }
    ct_eth_block_release(&src);
    ct_eth_block_release(&blk);
    free(genesis);
    free(one);
}
