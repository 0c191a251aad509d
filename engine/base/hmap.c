/* Open-addressing hash map for per-block scratch state; see hmap.h. */
#include <stdlib.h>
#include <string.h>

#include "chaintrail/error.h"
#include "base/hmap.h"

static uint32_t hash_bytes(const uint8_t *p, size_t n)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h ? h : 1;
}

void ct_hmap_init(ct_hmap *m)
{
    m->slots = NULL;
    m->size = 0;
    m->used = 0;
}

void ct_hmap_release(ct_hmap *m)
{
    free(m->slots);
    ct_hmap_init(m);
}

void ct_hmap_clear(ct_hmap *m)
{
    for (size_t i = 0; i < m->size; i++)
        m->slots[i].hash = 0;
    m->used = 0;
}

static ct_hmap_entry *find(const ct_hmap *m, const uint8_t *key, size_t klen, uint32_t h)
{
    for (size_t i = h & (m->size - 1);; i = (i + 1) & (m->size - 1)) {
        ct_hmap_entry *e = &m->slots[i];
        if (e->hash == 0 || (e->hash == h && e->klen == klen && memcmp(e->key, key, klen) == 0))
            return e;
    }
}

bool ct_hmap_get(const ct_hmap *m, const void *key, size_t klen, uint64_t *value)
{
    if (!m->size || klen > CT_HMAP_KEY_MAX)
        return false;
    ct_hmap_entry *e = find(m, key, klen, hash_bytes(key, klen));
    if (e->hash == 0)
        return false;
    *value = e->value;
    return true;
}

static int grow(ct_hmap *m)
{
    size_t nsize = m->size ? m->size * 2 : 256;
    ct_hmap_entry *old = m->slots;
    size_t osize = m->size;
    ct_hmap_entry *ns = calloc(nsize, sizeof(*ns));
    if (!ns)
        return CT_ENOMEM;
    m->slots = ns;
    m->size = nsize;
    for (size_t i = 0; i < osize; i++)
        if (old[i].hash) {
            ct_hmap_entry *e = find(m, old[i].key, old[i].klen, old[i].hash);
            *e = old[i];
        }
    free(old);
    return CT_OK;
}

int ct_hmap_put(ct_hmap *m, const void *key, size_t klen, uint64_t value)
{
    if (klen > CT_HMAP_KEY_MAX)
        return CT_EINVAL;
    if ((m->used + 1) * 4 > m->size * 3 && grow(m) != CT_OK)
        return CT_ENOMEM;
    uint32_t h = hash_bytes(key, klen);
    ct_hmap_entry *e = find(m, key, klen, h);
    if (e->hash == 0) {
        e->hash = h;
        e->klen = (uint8_t)klen;
        memcpy(e->key, key, klen);
        m->used++;
    }
    e->value = value;
    return CT_OK;
}

bool ct_hmap_del(ct_hmap *m, const void *key, size_t klen)
{
    if (!m->size || klen > CT_HMAP_KEY_MAX)
        return false;
    ct_hmap_entry *e = find(m, key, klen, hash_bytes(key, klen));
    if (e->hash == 0)
        return false;
    size_t mask = m->size - 1, i = (size_t)(e - m->slots), j = i;
    for (;;) {
        j = (j + 1) & mask;
        if (m->slots[j].hash == 0)
            break;
        size_t home = m->slots[j].hash & mask;
        /* Move slot j back to i unless its home lies cyclically in (i, j]. */
        bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
        if (!stays) {
            m->slots[i] = m->slots[j];
            i = j;
        }
    }
    m->slots[i].hash = 0;
    m->used--;
    return true;
}
