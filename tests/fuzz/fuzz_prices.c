/* libFuzzer harness of the daily price file reader (engine/intel/prices_import.c), through
 * ct_prices_read on the input as an in-memory FILE (fmemopen): the checks of `prices import`
 * before it writes anything. The first input byte picks the column option (even: none, so
 * BTC_USD or Close; odd: --column Price), the rest is the file. Oracle: CT_OK with rows >=
 * days >= 1, first day <= last day and the column named; or CT_ECORRUPT with one of the
 * documented reasons and a detail "prices.csv:LINE: " whose LINE lies inside the input; or
 * CT_ENOMEM. No crash, leak or sanitizer report. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "intel/prices_internal.h"

#define REQUIRE(c)                                                                                 \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "fuzz_prices.c:%d: invariant failed: %s\n", __LINE__, #c);             \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static const char *const reasons[] = {
    "bad-header", "no-column",     "field-count", "bad-date",   "empty",
    "negative",   "not-a-number",  "overflow",    "zero-price", "duplicate-day",
    "bad-line",   "too-many-rows", "no-rows"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const char *column = data[0] & 1 ? "Price" : NULL;
    size_t len = size - 1;
    uint64_t lines = 1;
    for (size_t i = 1; i < size; i++)
        lines += data[i] == '\n';
    char *copy = malloc(len ? len : 1);
    REQUIRE(copy);
    memcpy(copy, data + 1, len);
    FILE *f = len ? fmemopen(copy, len, "rb") : fopen("/dev/null", "rb");
    REQUIRE(f);
    ct_price_import_stats st;
    ct_error err;
    ct_error_clear(&err);
    int rc = ct_prices_read(f, "prices.csv", "btc", column, &st, &err);
    fclose(f);
    free(copy);
    if (rc == CT_OK) {
        REQUIRE(st.rows >= st.days && st.days >= 1 && st.first_day <= st.last_day);
        REQUIRE(st.column[0] && (!column || strcasecmp(st.column, column) == 0));
        return 0;
    }
    REQUIRE(err.code == rc);
    if (rc == CT_ENOMEM)
        return 0;
    if (rc != CT_ECORRUPT)
        fprintf(stderr, "rc %d %s: %s\n", rc, err.reason, err.detail);
    REQUIRE(rc == CT_ECORRUPT);
    bool known = false;
    for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
        known |= strcmp(err.reason, reasons[i]) == 0;
    if (!known)
        fprintf(stderr, "reason %s: %s\n", err.reason, err.detail);
    REQUIRE(known);
    unsigned long long l;
    REQUIRE(sscanf(err.detail, "prices.csv:%llu: ", &l) == 1);
    if (l < 1 || l > lines)
        fprintf(stderr, "line past the input (%llu lines): %s\n", (unsigned long long)lines,
                err.detail);
    REQUIRE(l >= 1 && l <= lines);
    return 0;
}
