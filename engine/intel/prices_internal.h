/* Rows of the price table (P, docs/storage.md) shared by the readers (prices.c) and the
 * importer (prices_import.c). Not public.
 *
 *   P 0x00 + source id BE32          source: sha256[32], rows BE64, added BE64,
 *                                    conflicts BE64, then asset, column and file name, each
 *                                    as a length byte and its bytes
 *   P + ASSET + 0x00 + day BE32      price: cents BE64, source id BE32
 *   P + ASSET + 0x01                 summary: days BE64, first day BE32, last day BE32
 *   m + "prices"                     counts: sources BE32, days BE64 (every asset)
 */
#ifndef CT_PRICES_INTERNAL_H
#define CT_PRICES_INTERNAL_H

#include <stdio.h>

#include "chaintrail/prices.h"
#include "db/db_internal.h"
#include "base/hmap.h"

#define CT_PRICE_KEY_MAX    (1 + CT_ASSET_MAX + 1 + 4)
#define CT_PRICE_ROW_SIZE   12 /* cents BE64 + source BE32 */
#define CT_PRICE_SUM_SIZE   16 /* days BE64 + first BE32 + last BE32 */
#define CT_PRICE_META_SIZE  12 /* sources BE32 + days BE64 */
#define CT_PRICE_SOURCE_MAX (32 + 3 * 8 + 3 + CT_ASSET_MAX + 63 + 127)

typedef struct ct_price_summary {
    uint64_t days;
    uint32_t first, last;
} ct_price_summary;

typedef struct ct_price_meta {
    uint32_t sources;
    uint64_t days;
} ct_price_meta;

/* Keys; each returns its length. `asset` is normalized (uppercase, 1..16 of A-Z 0-9). */
size_t ct_price_key(uint8_t *k, const char *asset, uint32_t day);
size_t ct_price_sum_key(uint8_t *k, const char *asset);
size_t ct_price_source_key(uint8_t *k, uint32_t id);

/* Codecs: decoders return CT_OK or CT_EDBCORRUPT ("bad-row"). */
size_t ct_price_summary_encode(uint8_t *v, const ct_price_summary *s);
int ct_price_summary_decode(ct_price_summary *s, const uint8_t *v, size_t n, ct_error *err);
size_t ct_price_meta_encode(uint8_t *v, const ct_price_meta *m);
int ct_price_meta_decode(ct_price_meta *m, const uint8_t *v, size_t n, ct_error *err);
size_t ct_price_source_encode(uint8_t *v, const ct_price_source *s);
int ct_price_source_decode(ct_price_source *s, uint32_t id, const uint8_t *v, size_t n,
                           ct_error *err);

/* Reads the m+"prices" row (zeros when absent). */
int ct_price_meta_load(ct_db *db, ct_price_meta *m, ct_error *err);

/* Daily prices as the tracers value flows (trace_graph.c for Bitcoin, acct_pricing.c for
 * account chains): read through one snapshot, each (asset, day) looked up once and cached. */
typedef struct ct_price_days {
    ct_db *db;
    ct_db_snapshot *snap;
    ct_hmap days; /* day BE32 + asset -> cents + 1 (0: no price) */
} ct_price_days;
/* Returns CT_OK or CT_ENOMEM (no error text: the caller names what it was opening). */
int ct_price_days_open(ct_price_days *c, ct_db *db);
void ct_price_days_close(ct_price_days *c);
/* *cents = the price of one unit of asset on `day`. Returns CT_OK, CT_ENOTFOUND (no price
 * that day, cached), ct_price_get's error (CT_EINVAL for a ticker the table cannot hold, not
 * cached), or CT_ENOMEM. */
int ct_price_days_get(ct_price_days *c, const char *asset, uint32_t day, uint64_t *cents,
                      ct_error *err);

/* Reads and checks the price file f (named `name` in messages) as ct_prices_import does
 * before it writes anything: *st gets the column, rows, days and first and last day (the
 * database fields stay 0). f is read to its end and not closed. The in-memory form of the
 * import, for the fuzzer (tests/fuzz/fuzz_prices.c: fmemopen). Returns what
 * ct_prices_import returns for the file. */
int ct_prices_read(FILE *f, const char *name, const char *asset, const char *column,
                   ct_price_import_stats *st, ct_error *err);

#endif
