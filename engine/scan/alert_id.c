/* The stable id of an alert (docs/scan.md "Alert ids"): a hash of what the finding is about,
 * never of when or how it was computed, so that the same finding keeps its id across runs,
 * machines and versions, and an analyst's decision stays attached to it. */
#include <string.h>

#include "base/hash.h"
#include "chaintrail/scan.h"

int ct_scan_alert_id(char out[CT_SCAN_ALERT_ID_LEN + 1], const char *customer_id,
                     ct_scan_chain chain, const char *address, unsigned direction,
                     unsigned exposure, ct_label_category category, const char *counterparty)
{
    return ct_scan_alert_id_asset(out, customer_id, chain, address, direction, exposure, category,
                                  counterparty, NULL);
}

int ct_scan_alert_id_asset(char out[CT_SCAN_ALERT_ID_LEN + 1], const char *customer_id,
                           ct_scan_chain chain, const char *address, unsigned direction,
                           unsigned exposure, ct_label_category category, const char *counterparty,
                           const char *asset)
{
    const char *parts[7] = {"chaintrail-alert-v1",
                            customer_id,
                            ct_scan_chain_name(chain),
                            address,
                            ct_scan_direction_name(direction),
                            ct_scan_exposure_name(exposure),
                            ct_label_category_name(category)};
    if (!customer_id || !address || !counterparty || !parts[2] || !parts[4] || !parts[5] ||
        !parts[6] || direction == CT_SCAN_BOTH_DIRECTIONS || exposure == CT_SCAN_BOTH_EXPOSURES)
        return CT_EINVAL;
    ct_sha256_ctx c;
    ct_sha256_init(&c);
    for (int i = 0; i < 7; i++)
        ct_sha256_update(&c, parts[i], strlen(parts[i]) + 1); /* with its NUL: unambiguous */
    ct_sha256_update(&c, counterparty, strlen(counterparty) + 1);
    if (asset) /* Ethereum: one alert per asset; a Bitcoin id has no asset text */
        ct_sha256_update(&c, asset, strlen(asset) + 1);
    uint8_t h[32];
    ct_sha256_final(&c, h);
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < CT_SCAN_ALERT_ID_LEN / 2; i++) {
        out[2 * i] = hex[h[i] >> 4];
        out[2 * i + 1] = hex[h[i] & 15];
    }
    out[CT_SCAN_ALERT_ID_LEN] = '\0';
    return CT_OK;
}
