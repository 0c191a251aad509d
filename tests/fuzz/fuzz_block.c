/* libFuzzer harness for ct_btc_block_decode.
 *
 * The first input byte chooses the mode and the rest is the block: bit 0 set decodes with
 * CT_BTC_NO_POW (so mutated blocks get past the proof-of-work check and reach the
 * transaction parser), clear decodes against mainnet's limit; bit 1 adds CT_BTC_WTXID;
 * bit 2 repairs the merkle root (below). A successful decode is checked by oracle.h, which
 * reads every decoded field.
 *
 * Almost any mutation of a transaction changes its txid, so the block then fails its merkle
 * check and the oracle never sees the mutated transaction. With bit 2, a block rejected for
 * "bad-txnmrklroot" is copied, given the merkle root of the txids the decoder parsed, and
 * decoded again (with CT_BTC_NO_POW, since its hash changes). That reads the decoder's
 * arrays after a failure, which the API does not promise to leave usable; it is only a way
 * to make inputs, and the second decode is checked in full.
 * One ct_btc_block is kept across calls, as a long-running ingest keeps one, so arena reuse
 * after both successes and failures is exercised too.
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
    if (size < 1)
        return 0;
    unsigned flags = 0;
    if (data[0] & 1)
        flags |= CT_BTC_NO_POW;
    if (data[0] & 2)
        flags |= CT_BTC_WTXID;
    const uint8_t *block = data + 1;
    size_t len = size - 1;

    ct_error err;
    ct_error_clear(&err);
    const ct_btc_params *net = ct_btc_params_get("mainnet");
    int rc = ct_btc_block_decode(&blk, block, len, net, flags, &err);
    if (rc == CT_OK) {
        sink += oracle_block(&blk, block, len, flags);
        return 0;
    }
    oracle_error(rc, &err);
    if (!(data[0] & 4) || strcmp(err.reason, "bad-txnmrklroot") != 0 || blk.n_tx == 0)
        return 0;

    uint8_t *fixed = malloc(len);
    ORACLE_REQUIRE(fixed != NULL);
    memcpy(fixed, block, len);
    uint32_t width = 1;
    while (width < blk.n_tx)
        width *= 2;
    oracle_merkle(fixed + 36, blk.tx, 0, width, blk.n_tx);
    flags |= CT_BTC_NO_POW;
    ct_error_clear(&err);
    rc = ct_btc_block_decode(&blk, fixed, len, net, flags, &err);
    if (rc == CT_OK)
        sink += oracle_block(&blk, fixed, len, flags);
    else
        oracle_error(rc, &err);
    free(fixed);
    return 0;
}
