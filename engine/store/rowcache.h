/* The ingest's row cache: an in-memory map of store keys to their current value, or to
 * "absent", that the ingest reads before LevelDB.
 *
 * It holds two kinds of rows, and the ingest keeps both exact:
 *   - the rows of the blocks of the pending commit group (written to the group's batch
 *     but not yet to LevelDB): later blocks of the group must see them;
 *   - rows already in LevelDB (written by earlier groups, or read from it), so that an
 *     input that spends a recent output needs no LevelDB read.
 * Memory is bounded: two generations, each an arena of records and an open-addressing
 * table. Lookups try the newer generation, then the older. rotate() (called only when no
 * group is pending) drops the older generation and starts a new one once the newer has
 * reached half the budget, so at most `budget` bytes of records (plus their tables) live
 * at once. */
#ifndef CT_ROWCACHE_H
#define CT_ROWCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chaintrail/error.h"

typedef struct ct_rowgen {
    uint8_t *arena; /* records: klen u8, present u8, vlen u32 (native), key, value */
    size_t len, cap;
    struct ct_rowslot {
        uint64_t hash; /* 0: empty */
        uint64_t off;
    } * slots;
    size_t size, used; /* size: power of two (or 0) */
} ct_rowgen;

typedef struct ct_rowcache {
    ct_rowgen gen[2]; /* gen[0] newer */
    size_t budget;    /* bytes of records over both generations */
    uint64_t hits, misses;
} ct_rowcache;

/* A zeroed struct is a valid empty cache of budget 0 (no caching of read results). */
void ct_rowcache_init(ct_rowcache *c, size_t budget);
void ct_rowcache_release(ct_rowcache *c);
/* Forgets everything (keeps the budget). */
void ct_rowcache_clear(ct_rowcache *c);
/* Returns 1 and points *val and *vlen at the value (valid until the next put) when the key is
 * known present, 0 when known absent, -1 when unknown. */
int ct_rowcache_get(ct_rowcache *c, const uint8_t *key, size_t klen, const uint8_t **val,
                    size_t *vlen);
/* Records the value of key (present) or its absence. Returns CT_OK or CT_ENOMEM. */
CT_WARN_UNUSED int ct_rowcache_put(ct_rowcache *c, const uint8_t *key, size_t klen,
                                   const uint8_t *val, size_t vlen, bool present);
/* Asks the CPU to bring in the table slot where a put of key would start probing: called a
 * few keys ahead of a run of puts, it overlaps their cache misses. No effect on content. */
void ct_rowcache_prefetch(const ct_rowcache *c, const uint8_t *key, size_t klen);
/* Starts a new generation when the newer one holds half the budget. Only call when every
 * record of the cache is also in LevelDB (no group pending). */
void ct_rowcache_rotate(ct_rowcache *c);
/* Bytes allocated (arenas and tables). */
size_t ct_rowcache_bytes(const ct_rowcache *c);

#endif
