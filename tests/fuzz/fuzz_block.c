/* libFuzzer harness for ct_btc_block_decode.
 *
 * The first input byte chooses the mode and the rest is the block: bit 0 set decodes with
 * CT_BTC_NO_POW (so mutated blocks get past the proof-of-work check and reach the
 * transaction parser), clear decodes against mainnet's limit; bit 1 adds CT_BTC_WTXID.
 * A successful decode is checked by oracle.h, which reads every decoded field.
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
    int rc = ct_btc_block_decode(&blk, block, len, ct_btc_params_get("mainnet"), flags, &err);
    if (rc == CT_OK)
        sink += oracle_block(&blk, block, len, flags);
    else
        oracle_error(rc, &err);
    return 0;
}
