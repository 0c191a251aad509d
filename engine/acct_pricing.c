/* USD of account-chain flows from the database's daily price tables (table P of
 * docs/storage.md): one table per price asset ("ETH", a token's symbol), read through one
 * snapshot, each (asset, day) looked up once and cached. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chaintrail/acct_trace.h"
#include "chaintrail/prices.h"
#include "hmap.h"
#include "util.h"

typedef struct dbpricing {
    ct_acct_pricing p;
    ct_db *db;
    ct_db_snapshot *snap;
    ct_hmap days; /* asset + day -> cents + 1 (0: no price) */
} dbpricing;

static int db_value(void *ctx, const char *price_asset, unsigned decimals, const ct_u256 *amount,
                    uint32_t time, uint64_t *cents, ct_error *err)
{
    dbpricing *d = ctx;
    uint32_t day = ct_day_from_unix(time);
    uint8_t key[4 + CT_ASSET_MAX];
    size_t al = strlen(price_asset);
    uint64_t v;
    if (al == 0 || al > CT_ASSET_MAX)
        return CT_ENOTFOUND;
    ct_put_be32(key, day);
    memcpy(key + 4, price_asset, al);
    if (!ct_hmap_get(&d->days, key, 4 + al, &v)) {
        uint64_t price;
        int rc = ct_price_get(d->db, d->snap, &price, NULL, price_asset, day, err);
        if (rc == CT_EINVAL) /* not a ticker the table can hold: no price */
            rc = CT_ENOTFOUND;
        if (rc != CT_OK && rc != CT_ENOTFOUND)
            return rc;
        v = rc == CT_OK ? price + 1 : 0;
        if (ct_hmap_put(&d->days, key, 4 + al, v))
            return ct_fail(err, CT_ENOMEM, "out-of-memory", "caching prices");
    }
    if (v == 0)
        return CT_ENOTFOUND;
    return ct_usd_cents_u256(cents, amount, decimals, v - 1, err);
}

int ct_acct_pricing_db(ct_acct_pricing **out, ct_db *db, ct_error *err)
{
    dbpricing *d = calloc(1, sizeof(*d));
    *out = NULL;
    if (!d || !(d->snap = ct_db_snapshot_new(db))) {
        free(d);
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "opening the price tables");
    }
    d->db = db;
    ct_hmap_init(&d->days);
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
    ct_hmap_release(&d->days);
    ct_db_snapshot_free(d->db, d->snap);
    free(d);
}
