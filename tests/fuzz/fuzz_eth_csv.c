/* libFuzzer harness of the ethereum-etl CSV reader and trace reader (chains/ethereum/eth_etl.c): an
 * RFC 4180 text is made JSON lines (ct_eth_csv_to_jsonl) and each line is read as a trace of
 * a block of two transactions (ct_eth_etl_trace). Oracle: the conversion returns CT_OK,
 * CT_ECORRUPT with a reason, or CT_ENOMEM; what it returns with CT_OK is valid JSON, one
 * object per line (our own parser must accept every line); a trace returns CT_OK or
 * CT_ECORRUPT with a reason, and never more internal transfers than lines read. No crash,
 * leak or sanitizer report. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ethereum/eth_source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const alias[] = {"txHash", "transaction_hash", "traceId", "trace_id",
                                        NULL};
    static const char *const arrays[] = {"topics", "trace_address", NULL};
    static const char *const objects[] = {"withdrawals", NULL};
    ct_buf out;
    ct_buf_init(&out, (size_t)1 << 26);
    ct_error err;
    ct_error_clear(&err);
    int rc = ct_eth_csv_to_jsonl((const char *)data, size, alias, arrays, objects, &out, &err);
    if (rc != CT_OK) {
        if (rc != CT_ENOMEM && (rc != CT_ECORRUPT || err.reason[0] == 0))
            abort();
        ct_buf_release(&out);
        return 0;
    }
    ct_arena *a = ct_arena_new((size_t)1 << 26);
    if (!a)
        abort();
    ct_eth_bundle b;
    memset(&b, 0, sizeof(b));
    b.height = 1;
    b.n_txs = 2;
    b.txs = ct_arena_alloc(a, 2, sizeof(ct_eth_btx));
    if (!b.txs)
        abort();
    memset(b.txs, 0, 2 * sizeof(ct_eth_btx));
    b.txs[1].tx.hash[0] = 1;
    b.txs[1].index = 1;
    uint32_t caps[2] = {0, 0};
    ct_json_doc d;
    ct_json_init(&d);
    size_t lines = 0;
    for (size_t p = 0; p < out.len;) {
        const uint8_t *nl = memchr(out.data + p, '\n', out.len - p);
        if (!nl)
            abort(); /* every record ends with a newline */
        size_t e = (size_t)(nl - out.data);
        if (ct_json_parse(&d, (const char *)out.data + p, e - p, NULL, NULL) != CT_OK ||
            ct_json_type_of(&d, 0) != CT_JSON_OBJECT)
            abort();
        lines++;
        ct_error_clear(&err);
        rc = ct_eth_etl_trace(&b, a, &d, 0, caps, &err);
        if (rc != CT_OK && rc != CT_ENOMEM && (rc != CT_ECORRUPT || err.reason[0] == 0))
            abort();
        if (b.txs[0].n_itx + b.txs[1].n_itx + b.n_rewards > lines)
            abort();
        p = e + 1;
    }
    ct_json_release(&d);
    ct_arena_free(a);
    ct_buf_release(&out);
    return 0;
}
