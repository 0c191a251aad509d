/* libFuzzer harness of the scan's customer file (engine/scan/customers.c: CSV or JSON lines,
 * ct_scan_customers_parse). Oracle: any bytes either parse (CT_OK) or fail with CT_ECORRUPT
 * "customers-header" whose "line L" lies inside the input, or CT_ENOMEM. What parsed is walked
 * in full: rows = kept + skipped, every customer's id and address are non-empty strings of
 * their documented bounds without control bytes, the address is already normalized, the chain
 * is one of the two, lines increase and lie inside the input, and the listed bad rows are the
 * first min(skipped, CT_SCAN_BAD_LISTED) with a reason. No crash, leak or sanitizer report. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chaintrail/labels.h"
#include "chaintrail/scan.h"

#define REQUIRE(c)                                                                                 \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "fuzz_customers.c:%d: invariant failed: %s\n", __LINE__, #c);          \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static void plain_text(const char *s, size_t lo, size_t hi)
{
    REQUIRE(s);
    size_t n = strlen(s);
    REQUIRE(n >= lo && n <= hi);
    for (size_t i = 0; i < n; i++)
        REQUIRE((unsigned char)s[i] >= 0x20 && s[i] != 0x7f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint64_t lines = 1;
    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n';
    ct_scan_customers c;
    ct_error err;
    ct_error_clear(&err);
    int rc = ct_scan_customers_parse(&c, (const char *)data, size, &err);
    if (rc != CT_OK) {
        REQUIRE(err.code == rc);
        REQUIRE(rc == CT_ENOMEM ||
                (rc == CT_ECORRUPT && strcmp(err.reason, "customers-header") == 0));
        unsigned long long at;
        if (rc == CT_ECORRUPT && sscanf(err.detail, "line %llu:", &at) == 1)
            REQUIRE(at >= 1 && at <= lines);
        ct_scan_customers_release(&c);
        return 0;
    }
    REQUIRE(c.format == CT_SCAN_CUSTOMERS_CSV || c.format == CT_SCAN_CUSTOMERS_JSONL);
    REQUIRE(c.rows == c.count + c.skipped);
    REQUIRE(c.n_bad == (c.skipped < CT_SCAN_BAD_LISTED ? c.skipped : CT_SCAN_BAD_LISTED));
    uint64_t prev = 0;
    for (size_t i = 0; i < c.count; i++) {
        const ct_scan_customer *k = &c.items[i];
        plain_text(k->customer_id, 1, CT_SCAN_CUSTOMER_ID_MAX);
        plain_text(k->address, 1, CT_LABEL_ADDRESS_MAX);
        REQUIRE(k->chain == CT_SCAN_BITCOIN || k->chain == CT_SCAN_ETHEREUM);
        REQUIRE(k->line > prev && k->line <= lines);
        prev = k->line;
        char norm[CT_LABEL_ADDRESS_MAX + 1];
        REQUIRE(ct_labels_address_normalize(norm, k->address, NULL) == CT_OK);
        if (strcmp(norm, k->address) != 0)
            fprintf(stderr, "line %llu: address \"%s\" normalizes to \"%s\"\n",
                    (unsigned long long)k->line, k->address, norm);
        REQUIRE(strcmp(norm, k->address) == 0);
    }
    prev = 0;
    for (size_t i = 0; i < c.n_bad; i++) {
        REQUIRE(c.bad[i].line > prev && c.bad[i].line <= lines);
        prev = c.bad[i].line;
        REQUIRE(c.bad[i].reason[0] != '\0' &&
                memchr(c.bad[i].reason, '\0', sizeof(c.bad[i].reason)));
    }
    ct_scan_customers_release(&c);
    return 0;
}
