/* The ingest's row cache (engine/store/rowcache.c): exact answers (present, absent, unknown),
 * the newest value of a key wins, and the two generations bound the memory. The ingest's
 * use of it is tested through whole ingests in test_ingest.c (grouped and per-block
 * commits give identical databases). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "store/rowcache.h"
#include "base/util.h"

static int lookup(ct_rowcache *c, const char *key, char *val, size_t size)
{
    const uint8_t *v;
    size_t vl;
    int r = ct_rowcache_get(c, (const uint8_t *)key, strlen(key), &v, &vl);
    val[0] = '\0';
    if (r > 0) {
        cr_assert_lt(vl, size);
        memcpy(val, v, vl);
        val[vl] = '\0';
    }
    return r;
}

static void store(ct_rowcache *c, const char *key, const char *val)
{
    cr_assert_eq(ct_rowcache_put(c, (const uint8_t *)key, strlen(key), (const uint8_t *)val,
                                 val ? strlen(val) : 0, val != NULL),
                 CT_OK);
}

Test(rowcache, present_absent_unknown_and_replacement)
{
    ct_rowcache c;
    char v[64];
    ct_rowcache_init(&c, 1u << 20);
    cr_assert_eq(lookup(&c, "t1", v, sizeof(v)), -1);
    store(&c, "t1", "one");
    store(&c, "s1", NULL);
    store(&c, "e", ""); /* present with an empty value is not absent */
    cr_assert_eq(lookup(&c, "t1", v, sizeof(v)), 1);
    cr_assert_str_eq(v, "one");
    cr_assert_eq(lookup(&c, "s1", v, sizeof(v)), 0);
    cr_assert_eq(lookup(&c, "e", v, sizeof(v)), 1);
    cr_assert_str_eq(v, "");
    cr_assert_eq(lookup(&c, "t", v, sizeof(v)), -1); /* a prefix is another key */
    store(&c, "t1", "uno");
    store(&c, "s1", "spent");
    cr_assert_eq(lookup(&c, "t1", v, sizeof(v)), 1);
    cr_assert_str_eq(v, "uno");
    cr_assert_eq(lookup(&c, "s1", v, sizeof(v)), 1);
    cr_assert_str_eq(v, "spent");
    store(&c, "t1", NULL); /* a delete */
    cr_assert_eq(lookup(&c, "t1", v, sizeof(v)), 0);
    ct_rowcache_clear(&c);
    cr_assert_eq(lookup(&c, "s1", v, sizeof(v)), -1);
    ct_rowcache_release(&c);
}

Test(rowcache, many_keys_survive_table_growth)
{
    ct_rowcache c;
    char k[32], v[32], want[32];
    ct_rowcache_init(&c, 64u << 20);
    for (int i = 0; i < 50000; i++) {
        snprintf(k, sizeof(k), "o%08d", i);
        snprintf(v, sizeof(v), "%d", i * 7);
        store(&c, k, i % 3 ? v : NULL);
    }
    for (int i = 0; i < 50000; i++) {
        snprintf(k, sizeof(k), "o%08d", i);
        snprintf(want, sizeof(want), "%d", i * 7);
        int r = lookup(&c, k, v, sizeof(v));
        cr_assert_eq(r, i % 3 ? 1 : 0, "key %s", k);
        if (r)
            cr_assert_str_eq(v, want);
    }
    ct_rowcache_release(&c);
}

Test(rowcache, rotation_keeps_one_older_generation_and_bounds_memory)
{
    ct_rowcache c;
    char v[64];
    /* Records are 6 bytes + key + value: 10,000 of 6 + 6 + 20 = 320,000 bytes, more than
     * half of a 400,000-byte budget. */
    ct_rowcache_init(&c, 400000);
    store(&c, "a-old", "first generation");
    char k[16];
    for (int i = 0; i < 10000; i++) {
        snprintf(k, sizeof(k), "k%05d", i);
        store(&c, k, "twenty bytes of val.");
    }
    ct_rowcache_rotate(&c); /* the newer generation is full: it becomes the older one */
    store(&c, "a-old", "second generation"); /* the newer value shadows the older */
    cr_assert_eq(lookup(&c, "a-old", v, sizeof(v)), 1);
    cr_assert_str_eq(v, "second generation");
    cr_assert_eq(lookup(&c, "k00042", v, sizeof(v)), 1);
    ct_rowcache_rotate(&c); /* not full: nothing happens */
    cr_assert_eq(lookup(&c, "k00042", v, sizeof(v)), 1);
    for (int i = 0; i < 10000; i++) {
        snprintf(k, sizeof(k), "m%05d", i);
        store(&c, k, "twenty bytes of val.");
    }
    ct_rowcache_rotate(&c); /* the first generation goes */
    cr_assert_eq(lookup(&c, "k00042", v, sizeof(v)), -1);
    cr_assert_eq(lookup(&c, "a-old", v, sizeof(v)), 1);
    cr_assert_str_eq(v, "second generation");
    cr_assert_eq(lookup(&c, "m09999", v, sizeof(v)), 1);
    /* Two arenas of about 400 kB (a share of 200 kB grown by quarters) and their tables. */
    cr_assert_lt(ct_rowcache_bytes(&c), 2u * (400000u + 16u * 32768u));
    ct_rowcache_release(&c);
}

Test(rowcache, a_zeroed_cache_knows_nothing)
{
    ct_rowcache c;
    char v[8];
    memset(&c, 0, sizeof(c));
    cr_assert_eq(lookup(&c, "x", v, sizeof(v)), -1);
    ct_rowcache_clear(&c);
    ct_rowcache_rotate(&c);
    store(&c, "x", "1");
    cr_assert_eq(lookup(&c, "x", v, sizeof(v)), 1);
    ct_rowcache_release(&c);
}
