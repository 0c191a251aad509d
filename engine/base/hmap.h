/* A small open-addressing hash map from byte strings (at most CT_HMAP_KEY_MAX bytes) to
 * uint64 values, for the per-block scratch state of the ingest: txids of the block, new
 * addresses, touched address ids. Cleared, not freed, between blocks. */
#ifndef CT_HMAP_H
#define CT_HMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CT_HMAP_KEY_MAX 100

typedef struct ct_hmap_entry {
    uint64_t value;
    uint32_t hash; /* 0: empty */
    uint8_t klen;
    uint8_t key[CT_HMAP_KEY_MAX];
} ct_hmap_entry;

typedef struct ct_hmap {
    ct_hmap_entry *slots;
    size_t size; /* power of two */
    size_t used;
} ct_hmap;

void ct_hmap_init(ct_hmap *m);
void ct_hmap_release(ct_hmap *m);
void ct_hmap_clear(ct_hmap *m);
/* Returns true and sets *value when key is present. */
bool ct_hmap_get(const ct_hmap *m, const void *key, size_t klen, uint64_t *value);
/* Inserts or replaces. Returns 0, or CT_ENOMEM / CT_EINVAL (key too long). */
int ct_hmap_put(ct_hmap *m, const void *key, size_t klen, uint64_t value);
/* Removes key if present (backward-shift deletion: no tombstones). Returns true if it was. */
bool ct_hmap_del(ct_hmap *m, const void *key, size_t klen);

#endif
