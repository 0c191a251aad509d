/* The addresses that have labels, read once per scan: a screen looks labels up only for the
 * counterparties in this set, and the indirect exposure traces from them. */
#include <string.h>

#include "base/hash.h"
#include "chaintrail/labels.h"
#include "chaintrail/scan.h"
#include "db/db_internal.h"
#include "scan/scan_internal.h"
#include "store/store.h"

size_t ct_scan_addr_key(uint8_t key[CT_HMAP_KEY_MAX], const char *a)
{
    size_t n = strlen(a);
    if (n <= CT_HMAP_KEY_MAX) {
        memcpy(key, a, n);
        return n;
    }
    ct_sha256(key, a, n);
    return 32;
}

int ct_scan_each_labelled(ct_db *db, int (*fn)(void *arg, const char *address), void *arg,
                          ct_error *err)
{
    ct_store_snapshot *snap = ct_store_snapshot_new(db->st);
    ct_store_iter *it = snap ? ct_store_iter_new(db->st, snap) : NULL;
    if (!it) {
        if (snap)
            ct_store_snapshot_free(db->st, snap);
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "scan labels");
    }
    int rc = CT_OK;
    char prev[CT_LABEL_ADDRESS_MAX + 1] = "";
    const uint8_t first = CT_T_LABEL;
    for (ct_store_iter_seek(it, &first, 1); rc == CT_OK && ct_store_iter_valid(it);
         ct_store_iter_next(it)) {
        size_t kl;
        const uint8_t *k = ct_store_iter_key(it, &kl);
        if (kl == 0 || k[0] != CT_T_LABEL)
            break;
        /* B + address + 0x00 + source + 0x00 + label + 0x00 + asset (docs/storage.md) */
        const uint8_t *nul = memchr(k + 1, 0, kl - 1);
        size_t al = nul ? (size_t)(nul - (k + 1)) : 0;
        if (!nul || al == 0 || al > CT_LABEL_ADDRESS_MAX)
            continue; /* not a row of this layout: labels show reports it */
        char a[CT_LABEL_ADDRESS_MAX + 1];
        memcpy(a, k + 1, al);
        a[al] = '\0';
        if (strcmp(a, prev) == 0)
            continue;
        memcpy(prev, a, al + 1);
        rc = fn(arg, a);
    }
    if (rc == CT_OK)
        rc = ct_store_iter_status(it, err);
    ct_store_iter_free(it);
    ct_store_snapshot_free(db->st, snap);
    return rc;
}

static int put(void *arg, const char *a)
{
    uint8_t key[CT_HMAP_KEY_MAX];
    return ct_hmap_put(arg, key, ct_scan_addr_key(key, a), 1) == 0 ? CT_OK : CT_ENOMEM;
}

int ct_scan_labelled_set(ct_hmap *set, ct_db *db, ct_error *err)
{
    int rc = ct_scan_each_labelled(db, put, set, err);
    if (rc == CT_ENOMEM)
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "scan labels");
    return rc;
}

void ct_scan_permute(ct_scan_finding *items, size_t *perm, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (perm[i] == i)
            continue;
        ct_scan_finding tmp = items[i];
        size_t j = i;
        while (perm[j] != i) {
            size_t k = perm[j];
            items[j] = items[k];
            perm[j] = j;
            j = k;
        }
        items[j] = tmp;
        perm[j] = j;
    }
}
