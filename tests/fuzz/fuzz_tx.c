/* libFuzzer harness for ct_btc_tx_decode.
 *
 * The whole input is one serialized transaction. Each input is decoded twice, without and
 * with CT_BTC_WTXID: both must agree on the outcome and the txid, and oracle.h checks every
 * decoded field of a success. One ct_btc_block is kept across calls.
 */
#include <stddef.h>
#include <stdint.h>

#include "oracle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile uint64_t sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Static only in this harness: libFuzzer gives no handle to hang state on. */
    static ct_btc_block blk;
    static bool ready;
    if (!ready) {
        ct_btc_block_init(&blk);
        ready = true;
    }

    ct_error err;
    uint8_t txid[32];
    char reason[CT_ERROR_REASON_MAX];
    ct_error_clear(&err);
    int rc = ct_btc_tx_decode(&blk, data, size, 0, &err);
    if (rc == CT_OK) {
        ORACLE_REQUIRE(blk.n_tx == 1 && blk.size == size);
        ORACLE_REQUIRE(blk.stripped_size == blk.tx[0].stripped_size);
        ORACLE_REQUIRE(blk.tx[0].raw == data && blk.tx[0].size == size);
        sink += oracle_tx(&blk.tx[0], data, size, 0);
        memcpy(txid, blk.tx[0].txid, 32);
    } else {
        oracle_error(rc, &err);
    }
    memcpy(reason, err.reason, sizeof(reason));

    ct_error_clear(&err);
    int rc2 = ct_btc_tx_decode(&blk, data, size, CT_BTC_WTXID, &err);
    ORACLE_REQUIRE(rc2 == rc);
    if (rc2 == CT_OK) {
        sink += oracle_tx(&blk.tx[0], data, size, CT_BTC_WTXID);
        ORACLE_REQUIRE(memcmp(txid, blk.tx[0].txid, 32) == 0);
        if (!blk.tx[0].segwit)
            ORACLE_REQUIRE(memcmp(txid, blk.tx[0].wtxid, 32) == 0);
    } else {
        oracle_error(rc2, &err);
        ORACLE_REQUIRE(strcmp(reason, err.reason) == 0);
    }
    return 0;
}
