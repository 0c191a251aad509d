/* The ingest's row cache; see rowcache.h. */
#include <stdlib.h>
#include <string.h>

#include "store/rowcache.h"

#define REC_HDR 6u

static uint64_t hash_key(const uint8_t *p, size_t n)
{
    uint64_t h = 0x9E3779B97F4A7C15ull ^ n;
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdull;
        h ^= h >> 32;
        p += 8;
        n -= 8;
    }
    while (n--)
        h = (h ^ *p++) * 0x100000001b3ull;
    h ^= h >> 29;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 32;
    return h ? h : 1;
}

void ct_rowcache_prefetch(const ct_rowcache *c, const uint8_t *key, size_t klen)
{
    const ct_rowgen *g = &c->gen[0];
    if (g->size)
        __builtin_prefetch(&g->slots[hash_key(key, klen) & (g->size - 1)], 1);
}

static void gen_release(ct_rowgen *g)
{
    free(g->arena);
    free(g->slots);
    memset(g, 0, sizeof(*g));
}

void ct_rowcache_init(ct_rowcache *c, size_t budget)
{
    memset(c, 0, sizeof(*c));
    c->budget = budget;
}

void ct_rowcache_release(ct_rowcache *c)
{
    gen_release(&c->gen[0]);
    gen_release(&c->gen[1]);
}

void ct_rowcache_clear(ct_rowcache *c)
{
    for (int i = 0; i < 2; i++) {
        ct_rowgen *g = &c->gen[i];
        g->len = 0;
        g->used = 0;
        if (g->slots)
            memset(g->slots, 0, g->size * sizeof(*g->slots));
    }
}

static struct ct_rowslot *find(const ct_rowgen *g, const uint8_t *key, size_t klen, uint64_t h)
{
    for (size_t i = h & (g->size - 1);; i = (i + 1) & (g->size - 1)) {
        struct ct_rowslot *s = &g->slots[i];
        if (s->hash == 0)
            return s;
        if (s->hash == h) {
            const uint8_t *r = g->arena + s->off;
            if (r[0] == klen && memcmp(r + REC_HDR, key, klen) == 0)
                return s;
        }
    }
}

int ct_rowcache_get(ct_rowcache *c, const uint8_t *key, size_t klen, const uint8_t **val,
                    size_t *vlen)
{
    uint64_t h = hash_key(key, klen);
    for (int i = 0; i < 2; i++) {
        const ct_rowgen *g = &c->gen[i];
        if (!g->used)
            continue;
        struct ct_rowslot *s = find(g, key, klen, h);
        if (s->hash == 0)
            continue;
        const uint8_t *r = g->arena + s->off;
        uint32_t vl;
        memcpy(&vl, r + 2, 4);
        *val = r + REC_HDR + klen;
        *vlen = vl;
        c->hits++;
        return r[1] ? 1 : 0;
    }
    c->misses++;
    return -1;
}

static int grow(ct_rowgen *g)
{
    size_t nsize = g->size ? g->size * 2 : 4096;
    struct ct_rowslot *ns = calloc(nsize, sizeof(*ns));
    if (!ns)
        return CT_ENOMEM;
    for (size_t i = 0; i < g->size; i++) {
        struct ct_rowslot *o = &g->slots[i];
        if (!o->hash)
            continue;
        size_t j = o->hash & (nsize - 1);
        while (ns[j].hash)
            j = (j + 1) & (nsize - 1);
        ns[j] = *o;
    }
    free(g->slots);
    g->slots = ns;
    g->size = nsize;
    return CT_OK;
}

int ct_rowcache_put(ct_rowcache *c, const uint8_t *key, size_t klen, const uint8_t *val,
                    size_t vlen, bool present)
{
    ct_rowgen *g = &c->gen[0];
    if (klen > 255 || vlen > UINT32_MAX)
        return CT_EINVAL;
    if (!present)
        vlen = 0;
    size_t need = REC_HDR + klen + vlen;
    if (g->len + need > g->cap) {
        /* First the generation's share of the budget (pages are only touched as used),
         * then a quarter more at a time: a pending group may exceed the share. */
        size_t ncap = g->cap ? g->cap : c->budget / 2 > (1u << 16) ? c->budget / 2 : 1u << 16;
        while (ncap < g->len + need)
            ncap += ncap / 4;
        uint8_t *na = realloc(g->arena, ncap);
        if (!na)
            return CT_ENOMEM;
        g->arena = na;
        g->cap = ncap;
    }
    if ((g->used + 1) * 4 > g->size * 3 && grow(g))
        return CT_ENOMEM;
    uint64_t h = hash_key(key, klen);
    struct ct_rowslot *s = find(g, key, klen, h);
    uint8_t *r = g->arena + g->len;
    uint32_t vl = (uint32_t)vlen;
    r[0] = (uint8_t)klen;
    r[1] = present;
    memcpy(r + 2, &vl, 4);
    memcpy(r + REC_HDR, key, klen);
    if (vlen)
        memcpy(r + REC_HDR + klen, val, vlen);
    if (!s->hash)
        g->used++;
    s->hash = h;
    s->off = g->len; /* a replaced record stays in the arena until the generation goes */
    g->len += need;
    return CT_OK;
}

void ct_rowcache_rotate(ct_rowcache *c)
{
    if (c->gen[0].len < c->budget / 2)
        return;
    ct_rowgen old = c->gen[1];
    c->gen[1] = c->gen[0];
    /* Reuse the dropped generation's memory when it is not oversized. */
    c->gen[0] = old;
    c->gen[0].len = 0;
    c->gen[0].used = 0;
    if (old.slots)
        memset(old.slots, 0, old.size * sizeof(*old.slots));
}

size_t ct_rowcache_bytes(const ct_rowcache *c)
{
    size_t n = 0;
    for (int i = 0; i < 2; i++)
        n += c->gen[i].cap + c->gen[i].size * sizeof(struct ct_rowslot);
    return n;
}
