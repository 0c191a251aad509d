/* libFuzzer harness for the Ethereum decoders: ct_eth_unit_next, ct_eth_block_decode,
 * ct_eth_tx_decode and sender recovery.
 *
 * The input is read as `decode ethereum` reads a file: a sequence of units (RLP blocks or
 * signed transactions). The whole input is also given to ct_eth_tx_decode as one
 * transaction. After every successful decode the oracle re-encodes each transaction from
 * its decoded fields alone (ct_eth_tx_encode) and requires the bytes to equal the input's
 * (the decoder accepts only canonical encodings, so decode and encode are inverse), and
 * recomputes the hash. Recovery runs under the current rules and under Frontier's; it may
 * fail, but must give the same sender when both succeed. Errors must carry a reason.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chaintrail/ethereum.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(cond)                                                                              \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_eth.c:%d: decoder invariant failed: %s\n", __LINE__, #cond);     \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static void check_error(int rc, const ct_error *err)
{
    REQUIRE(rc == CT_ECORRUPT || rc == CT_ENOMEM);
    REQUIRE(err->code == rc && err->reason[0] != '\0');
}

/* The decoded tx re-encodes to its raw bytes; its hash is theirs; recovery is stable
 * (checked when `recover`: recovery costs ~50 us, so a seed block's hundreds of
 * transactions would starve the fuzzer). */
static void check_tx(ct_eth_tx *tx, bool recover)
{
    uint8_t *enc;
    size_t n;
    uint8_t h[32];
    ct_error err;
    ct_error_clear(&err);
    REQUIRE(tx->raw && tx->raw_len > 0);
    REQUIRE(ct_eth_tx_encode(&enc, &n, tx, &err) == CT_OK);
    REQUIRE(n == tx->raw_len && memcmp(enc, tx->raw, n) == 0);
    free(enc);
    ct_keccak256(h, tx->raw, tx->raw_len);
    REQUIRE(memcmp(h, tx->hash, 32) == 0);
    if (!recover)
        return;
    ct_eth_tx a = *tx, b = *tx;
    int ra = ct_eth_tx_recover(&a, -1, 0, &err);
    if (ra != CT_OK)
        check_error(ra, &err);
    int rb = ct_eth_tx_recover(&b, 1000, 0, &err); /* Frontier: high s allowed */
    if (rb != CT_OK)
        check_error(rb, &err);
    if (ra == CT_OK && rb == CT_OK)
        REQUIRE(memcmp(a.from, b.from, 20) == 0);
    if (ra == CT_OK && tx->type != CT_ETH_TX_LEGACY)
        REQUIRE(rb == CT_OK); /* for typed txs the height changes only the s rule */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Static only in this harness: libFuzzer gives no handle to hang state on. */
    static ct_eth_block blk;
    static bool ready;
    if (!ready) {
        ct_eth_block_init(&blk);
        ready = true;
    }
    ct_error err;
    ct_eth_tx tx;

    ct_error_clear(&err);
    int rc = ct_eth_tx_decode(&tx, data, size, &err);
    if (rc == CT_OK) {
        REQUIRE(tx.raw == data && tx.raw_len == size);
        check_tx(&tx, true);
    } else {
        check_error(rc, &err);
        REQUIRE(err.offset == UINT64_MAX || err.offset <= size);
    }

    size_t off = 0;
    while (off < size) {
        ct_eth_unit_kind kind;
        size_t unit;
        ct_error_clear(&err);
        rc = ct_eth_unit_next(&kind, &unit, data + off, size - off, &err);
        if (rc != CT_OK) {
            check_error(rc, &err);
            break;
        }
        REQUIRE(unit > 0 && unit <= size - off);
        ct_error_clear(&err);
        if (kind == CT_ETH_UNIT_BLOCK) {
            rc = ct_eth_block_decode(&blk, data + off, unit, NULL, &err);
            if (rc == CT_OK) {
                REQUIRE(blk.raw == data + off && blk.raw_len == unit);
                REQUIRE(blk.n_tx <= unit && blk.n_uncles <= unit && blk.n_withdrawals <= unit);
                for (uint32_t i = 0; i < blk.n_tx; i++) {
                    REQUIRE(blk.tx[i].raw >= data + off &&
                            blk.tx[i].raw + blk.tx[i].raw_len <= data + off + unit);
                    check_tx(&blk.tx[i], i < 4);
                }
                for (uint32_t u = 0; u < blk.n_uncles; u++)
                    REQUIRE(blk.uncles[u].n_fields >= 15);
                if (blk.n_tx <= 4) {
                    rc = ct_eth_block_recover(&blk, 0, &err);
                    if (rc != CT_OK) {
                        check_error(rc, &err);
                        REQUIRE(err.tx_index >= 0 && err.tx_index < blk.n_tx);
                    }
                }
            } else {
                check_error(rc, &err);
            }
        } else {
            rc = ct_eth_tx_decode(&tx, data + off, unit, &err);
            if (rc == CT_OK)
                check_tx(&tx, true);
            else
                check_error(rc, &err);
        }
        off += unit;
    }
    return 0;
}
