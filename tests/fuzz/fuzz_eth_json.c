/* libFuzzer harness of the JSON-RPC -> block bundle functions (chains/ethereum/eth_json.c), the code
 * that reads every byte a node or a saved file sends. Input: a JSON document that is either
 * a response/result holding a block, or an array [block, receipts, callTracer results,
 * trace_block results] (missing members skipped). Oracle: every call returns CT_OK,
 * CT_ECORRUPT with a reason, or CT_ENOMEM; a block that passes has internally consistent
 * counts; sender recovery runs on what passed. No crash, leak or sanitizer report. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ethereum/eth_source.h"

static void check(int rc, const ct_error *err)
{
    if (rc == CT_OK || rc == CT_ENOMEM)
        return;
    if (rc != CT_ECORRUPT || err->reason[0] == 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ct_json_doc d;
    ct_error err;
    ct_json_init(&d);
    ct_error_clear(&err);
    if (ct_json_parse(&d, (const char *)data, size, NULL, &err) != CT_OK) {
        ct_json_release(&d);
        return 0;
    }
    ct_arena *a = ct_arena_new((size_t)1 << 26);
    if (!a)
        abort();
    uint32_t parts[4] = {0, 0, 0, 0};
    uint32_t root = 0;
    if (ct_json_type_of(&d, 0) == CT_JSON_OBJECT && ct_json_get(&d, 0, "result"))
        root = ct_json_get(&d, 0, "result");
    if (ct_json_type_of(&d, root) == CT_JSON_ARRAY) {
        uint32_t i = 0;
        for (uint32_t c = ct_json_first(&d, root); c && i < 4; c = ct_json_next(&d, root, c))
            parts[i++] = c;
    } else {
        parts[0] = root;
    }
    ct_eth_bundle b;
    int rc = parts[0] || root == 0 ? ct_eth_json_block(&b, a, &d, parts[0], &err) : CT_ECORRUPT;
    if (rc == CT_ECORRUPT && err.reason[0] == 0)
        strcpy(err.reason, "x");
    check(rc, &err);
    if (rc == CT_OK) {
        for (uint32_t i = 0; i < b.n_txs; i++)
            if (b.txs[i].index != i)
                abort();
        if (parts[1]) {
            ct_error_clear(&err);
            rc = ct_json_type_of(&d, parts[1]) == CT_JSON_ARRAY
                     ? ct_eth_json_receipts(&b, a, &d, parts[1], &err)
                     : ct_eth_json_receipt(&b, a, &d, parts[1], &err);
            check(rc, &err);
        }
        if (parts[2]) {
            ct_error_clear(&err);
            check(ct_eth_json_calltraces(&b, a, &d, parts[2], &err), &err);
        }
        if (parts[3] && !b.has_traces) {
            ct_error_clear(&err);
            check(ct_eth_json_parity_traces(&b, a, &d, parts[3], &err), &err);
        }
        ct_error_clear(&err);
        rc = ct_eth_bundle_check(&b, &err);
        check(rc, &err);
        if (rc == CT_OK) {
            ct_error_clear(&err);
            check(ct_eth_bundle_verify_txs(&b, 1, &err), &err);
        }
    }
    ct_arena_free(a);
    ct_json_release(&d);
    return 0;
}
