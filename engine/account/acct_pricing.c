/* USD of account-chain flows from the database's daily price tables (table P of
 * docs/storage.md): one table per price asset ("ETH", a token's symbol), read through one
 * snapshot, each (asset, day) looked up once and cached. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chaintrail/acct_trace.h"
#include "chaintrail/prices.h"
#include "intel/prices_internal.h"
#include "base/util.h"

typedef struct dbpricing {
    ct_acct_pricing p;
    ct_price_days days;
} dbpricing;

static int db_value(void *ctx, const char *price_asset, unsigned decimals, const ct_u256 *amount,
                    uint32_t time, uint64_t *cents, ct_error *err)
{
    dbpricing *d = ctx;
    uint64_t price;
    int rc = ct_price_days_get(&d->days, price_asset, ct_day_from_unix(time), &price, err);
    if (rc == CT_EINVAL) /* not a ticker the table can hold: no price */
        return CT_ENOTFOUND;
    if (rc != CT_OK)
        return rc;
    return ct_usd_cents_u256(cents, amount, decimals, price, err);
}

int ct_acct_pricing_db(ct_acct_pricing **out, ct_db *db, ct_error *err)
{
    dbpricing *d = calloc(1, sizeof(*d));
    *out = NULL;
    if (!d || ct_price_days_open(&d->days, db) != CT_OK) {
        if (d)
            ct_price_days_close(&d->days);
        free(d);
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "opening the price tables");
    }
    d->p.ctx = d;
    d->p.value = db_value;
    *out = &d->p;
    return CT_OK;
}

void ct_acct_pricing_db_free(ct_acct_pricing *p)
{
    if (!p)
        return;
    dbpricing *d = p->ctx;
    ct_price_days_close(&d->days);
    free(d);
}
