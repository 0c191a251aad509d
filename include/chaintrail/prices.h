/* chaintrail prices: daily USD prices of each asset, kept in the database (table P of
 * docs/storage.md), and the exact arithmetic that turns an amount of coin into US cents.
 *
 * Prices are integer cents per whole coin, one per asset and UTC day. Days are numbered from
 * 1970-01-01 (day 0) and written YYYY-MM-DD. A day without a row has no price: lookups say
 * CT_ENOTFOUND and reports print "no price", never zero. Money is never a double: prices
 * are parsed from their decimal text into cents, and values are computed with 256-bit
 * intermediates and one documented rounding (docs/prices.md).
 *
 * Argument order, as everywhere in chaintrail: the handle, then outputs, then inputs, then
 * options, then the caller-owned ct_error (may be NULL).
 */
#ifndef CHAINTRAIL_PRICES_H
#define CHAINTRAIL_PRICES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chaintrail/db.h"
#include "chaintrail/error.h"
#include "chaintrail/u256.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- days ---- */
#define CT_DAY_MAX 2932896u /* 9999-12-31, the last day a YYYY-MM-DD date can name */

/* The UTC day of a Unix time (seconds since 1970-01-01T00:00:00Z): floor(t / 86400). */
uint32_t ct_day_from_unix(uint64_t unix_time);

/* Parses exactly "YYYY-MM-DD" (ASCII digits, a real Gregorian date from 1970-01-01 to
 * 9999-12-31, leap years included; no spaces, no time, no locale) into a day number.
 * Returns CT_OK or CT_EINVAL. */
CT_WARN_UNUSED int ct_day_parse(uint32_t *day, const char *text);

/* Writes the day as "YYYY-MM-DD" and a NUL into out (11 bytes); a day above CT_DAY_MAX is
 * written "0000-00-00". */
void ct_day_format(char out[11], uint32_t day);

/* ---- money ---- */
/* A 128-bit unsigned amount as two halves (no compiler extension in the public API). */
typedef struct ct_u128 {
    uint64_t hi, lo;
} ct_u128;

/* Value in US cents of `amount` units of an asset with `decimals` decimals (8 for BTC:
 * satoshi; 18 for ETH: wei) at `price_cents` cents per whole coin:
 *     amount * price_cents / 10^decimals, rounded half up to a whole cent
 * (a remainder of exactly half a cent or more rounds up). The product is computed exactly
 * in 256 bits. 256-bit amounts go through ct_usd_cents_u256.
 * Returns CT_OK; CT_EINVAL ("bad-decimals") when decimals > 36, or ("usd-overflow") when
 * the value exceeds 2^64-1 cents (*out_cents is then untouched). */
CT_WARN_UNUSED int ct_usd_cents(uint64_t *out_cents, ct_u128 amount, unsigned decimals,
                                uint64_t price_cents, ct_error *err);

/* The same for a 256-bit amount (Ethereum wei, token units): amount * price_cents /
 * 10^decimals rounded half up, the product exact in 512 bits (ct_u256_muldiv). decimals may
 * be 0 to 77 (10^77 is the largest power of ten below 2^256). Returns CT_OK; CT_EINVAL
 * ("bad-decimals") when decimals > 77, or ("usd-overflow") when the value exceeds 2^64-1
 * cents (*out_cents is then untouched). */
CT_WARN_UNUSED int ct_usd_cents_u256(uint64_t *out_cents, const ct_u256 *amount,
                                     unsigned decimals, uint64_t price_cents, ct_error *err);

/* Writes cents as a decimal number of dollars with exactly two decimals ("1234.56",
 * "0.05") and a NUL into buf. Returns the length of the text (at most 21). buf needs
 * CT_CENTS_TEXT_MAX bytes. */
#define CT_CENTS_TEXT_MAX 24
size_t ct_cents_format(char *buf, size_t size, uint64_t cents);

/* Parses a price text into cents: digits, optionally a point and at least one more digit
 * ("465.864014", "78293.71", "5", "0.5"); no sign, exponent, spaces or separators. Digits
 * after the second decimal round half up on the third one: 465.864014 -> 46586, 0.125 -> 13,
 * 0.1249 -> 12. Returns CT_OK or CT_EINVAL with err->reason "empty", "negative",
 * "not-a-number" or "overflow" (above 2^64-1 cents). */
CT_WARN_UNUSED int ct_price_parse(uint64_t *cents, const char *text, ct_error *err);

/* ---- the price table ---- */
#define CT_ASSET_MAX 16 /* asset tickers: 1 to 16 of A-Z 0-9 (stored uppercase) */

/* Normalizes an asset ticker ("btc" -> "BTC") into out (CT_ASSET_MAX + 1 bytes).
 * Returns CT_OK or CT_EINVAL ("bad-asset") for an empty, too long or non-alphanumeric one. */
CT_WARN_UNUSED int ct_asset_normalize(char *out, const char *asset, ct_error *err);

/* The price of `asset` on `day`, read through `snap` (NULL: the latest state).
 * Returns CT_OK with *cents (and *source, the id of the file it came from, when source is
 * not NULL); CT_ENOTFOUND when there is no price for that day ("no price"); CT_EINVAL for a
 * bad asset; CT_EDBCORRUPT for a malformed row; CT_EIO. */
CT_WARN_UNUSED int ct_price_get(ct_db *db, const ct_db_snapshot *snap, uint64_t *cents,
                                uint32_t *source, const char *asset, uint32_t day, ct_error *err);

/* What the table holds for one asset. */
typedef struct ct_price_range {
    char asset[CT_ASSET_MAX + 1];
    uint64_t days;      /* days with a price */
    uint32_t first_day; /* earliest of them */
    uint32_t last_day;  /* latest of them */
} ct_price_range;

/* The range of `asset`. Returns CT_OK; CT_ENOTFOUND when the asset has no price at all;
 * CT_EINVAL (bad asset); CT_EDBCORRUPT; CT_EIO. */
CT_WARN_UNUSED int ct_prices_range(ct_db *db, ct_price_range *out, const char *asset,
                                   ct_error *err);

/* The ranges of every asset with prices, sorted by asset. *out (n entries, possibly 0 and
 * then NULL) belongs to the caller: free() it. Returns CT_OK, CT_ENOMEM, CT_EDBCORRUPT,
 * CT_EIO. */
CT_WARN_UNUSED int ct_prices_assets(ct_db *db, ct_price_range **out, size_t *n, ct_error *err);

/* One imported file. */
typedef struct ct_price_source {
    uint32_t id; /* from 1, in import order */
    char asset[CT_ASSET_MAX + 1];
    char column[64];    /* the column read, e.g. "BTC_USD" or "Close" */
    char name[128];     /* the file's name (its last path component) */
    uint8_t sha256[32]; /* of the file's bytes */
    uint64_t rows;      /* data rows in the file */
    uint64_t added;     /* days it added to the table */
    uint64_t conflicts; /* days it disagreed with a price already stored (kept) */
} ct_price_source;

/* Reads source `id`. Returns CT_OK, CT_ENOTFOUND, CT_EDBCORRUPT, CT_EIO. */
CT_WARN_UNUSED int ct_prices_source_get(ct_db *db, ct_price_source *out, uint32_t id,
                                        ct_error *err);

/* SHA-256 of every row of the price table (sources, prices and per-asset summaries), in
 * key order, each fed as BE32 key length, key, BE32 value length, value
 * (docs/storage.md). Equal for two databases that imported the same files in the same
 * order; unchanged by re-importing a file. Returns CT_OK, CT_EDBCORRUPT, CT_EIO. */
CT_WARN_UNUSED int ct_prices_digest(ct_db *db, uint8_t out[32], ct_error *err);

/* ---- import ---- */
/* A day of the file whose price differs from the one already stored: the stored one is
 * kept. */
typedef struct ct_price_conflict {
    uint64_t line; /* line of the file (from 1; the header is line 1) */
    uint32_t day;
    uint64_t stored_cents;  /* kept */
    uint32_t stored_source; /* its source id */
    uint64_t file_cents;    /* this file's price, not stored */
} ct_price_conflict;

typedef struct ct_price_import_options {
    unsigned version;   /* CT_PRICE_IMPORT_OPTIONS_VERSION */
    const char *asset;  /* required: BTC, ETH, ... (any case) */
    const char *column; /* the price column; NULL: detect ASSET_USD, else Close */
    /* Called for each conflict (may be NULL). */
    void (*conflict)(void *ctx, const ct_price_conflict *c);
    void *ctx;
} ct_price_import_options;

#define CT_PRICE_IMPORT_OPTIONS_VERSION 1
#define CT_PRICE_IMPORT_OPTIONS_INIT                                                               \
    {                                                                                              \
        CT_PRICE_IMPORT_OPTIONS_VERSION, NULL, NULL, NULL, NULL                                    \
    }

typedef struct ct_price_import_stats {
    uint32_t source;    /* id of the file's source row (new, or the one of an earlier import) */
    bool new_source;    /* false: this exact file was imported before for this asset/column */
    char column[64];    /* the column read */
    uint64_t rows;      /* data rows read */
    uint64_t days;      /* distinct days in the file */
    uint64_t added;     /* days added to the table */
    uint64_t same;      /* days already stored with the same price */
    uint64_t conflicts; /* days already stored with another price (kept) */
    uint32_t first_day, last_day; /* of the file (when days > 0) */
} ct_price_import_stats;

/* Imports a daily price CSV (docs/prices.md): a header line naming a Date column and the
 * price column, then one row per day. Everything is checked before anything is written;
 * the new rows are written in one synchronous batch, so a failed import changes nothing.
 * A day already stored keeps its price (the first source wins); a day stored with another
 * price is a conflict, passed to opts->conflict and counted. Importing the same file again
 * writes nothing.
 * Returns CT_OK (conflicts are not errors); CT_ECORRUPT for a malformed file, with
 * err->detail "PATH:LINE: column 'NAME': what is wrong" and err->reason one of "bad-header",
 * "no-column", "field-count", "bad-date", "empty", "negative", "not-a-number", "overflow",
 * "zero-price", "duplicate-day", "bad-line", "too-many-rows"; CT_EIO (unreadable file);
 * CT_EINVAL (bad options); CT_ENOMEM; CT_EDBCORRUPT. */
CT_WARN_UNUSED int ct_prices_import(ct_db *db, ct_price_import_stats *stats, const char *path,
                                    const ct_price_import_options *opts, ct_error *err);

#ifdef __cplusplus
}
#endif
#endif
