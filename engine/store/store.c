/* The store: the only file that calls LevelDB. See store.h.
 *
 * LevelDB's C API rules kept here once: leveldb_get returns a malloc'd copy that is not
 * NUL-terminated, and NULL without error for "not found"; it must be freed with
 * leveldb_free. Iterator key/value pointers die when the iterator moves. An errptr must be
 * freed and reset before it is passed again. */
#include <dirent.h>
#include <fcntl.h>
#include <leveldb/c.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store/store.h"

struct ct_store {
    leveldb_t *db;
    leveldb_options_t *opts;
    leveldb_cache_t *cache;
    leveldb_filterpolicy_t *filter;
    leveldb_readoptions_t *ropts;
    leveldb_writeoptions_t *wsync;
    leveldb_writeoptions_t *wnosync;
    char *path;
    /* test hook: SIGKILL before/after the kill_at-th write (0 = off) */
    uint64_t writes;
    uint64_t bytes_written; /* batch bytes written since open (ct_store_settle's AUTO) */
    uint64_t kill_at;
    bool kill_after;
    uint32_t version; /* schema version of the database */
    bool created;     /* this open created the database (there was none at path) */
    bool made_dir;    /* ... and the directory too */
};

struct ct_store_batch {
    leveldb_writebatch_t *wb;
    size_t bytes;
};

struct ct_store_iter {
    leveldb_iterator_t *it;
    leveldb_readoptions_t *ropts;
};

struct ct_store_snapshot {
    const leveldb_snapshot_t *snap;
};

static const uint8_t schema_key[] = {'m', 's', 'c', 'h', 'e', 'm', 'a'};
static const uint8_t engine_key[] = {'m', 'e', 'n', 'g', 'i', 'n', 'e'};
static const char engine_name[] = "chaintrail";

/* Maps a LevelDB error string to a code and fills err; frees *msg. */
static int leveldb_fail(ct_error *err, char **msg, const char *what, const char *path)
{
    const char *m = *msg ? *msg : "unknown error";
    int code = CT_EIO;
    const char *reason = "io-error";
    if (strstr(m, "lock ") && (strstr(m, "temporarily unavailable") || strstr(m, "already held"))) {
        code = CT_ELOCKED;
        reason = "database-locked";
    } else if (strncmp(m, "Corruption", 10) == 0) {
        code = CT_EDBCORRUPT;
        reason = "database-corrupt";
    } else if (strstr(m, "does not exist")) {
        code = CT_ENOTFOUND;
        reason = "no-database";
    }
    if (code == CT_ELOCKED)
        ct_fail(err, code, reason, "database '%s' is locked by another process", path);
    else
        ct_fail(err, code, reason, "%s '%s': %s", what, path, m);
    leveldb_free(*msg);
    *msg = NULL;
    return code;
}

static void store_free(ct_store *s)
{
    if (s->db)
        leveldb_close(s->db);
    if (s->opts)
        leveldb_options_destroy(s->opts);
    if (s->cache)
        leveldb_cache_destroy(s->cache);
    if (s->filter)
        leveldb_filterpolicy_destroy(s->filter);
    if (s->ropts)
        leveldb_readoptions_destroy(s->ropts);
    if (s->wsync)
        leveldb_writeoptions_destroy(s->wsync);
    if (s->wnosync)
        leveldb_writeoptions_destroy(s->wnosync);
    free(s->path);
    free(s);
}

static void read_kill_hook(ct_store *s)
{
    const char *v = getenv("CHAINTRAIL_TEST_KILL");
    uint64_t n;
    if (!v)
        return;
    if (strncmp(v, "before:", 7) == 0 && ct_parse_u64(&n, v + 7) == CT_OK) {
        s->kill_at = n;
        s->kill_after = false;
    } else if (strncmp(v, "after:", 6) == 0 && ct_parse_u64(&n, v + 6) == CT_OK) {
        s->kill_at = n;
        s->kill_after = true;
    }
}

/* A new database gets the engine name and schema version; an existing one must carry ours.
 * `may_stamp`: the caller may create a database. A LevelDB database without a single row
 * (one whose creation was interrupted before the stamp) is then stamped too. */
static int check_schema(ct_store *s, bool may_stamp, ct_error *err)
{
    ct_buf v;
    int rc;
    ct_buf_init(&v, 64);
    rc = ct_store_get(s, NULL, schema_key, sizeof(schema_key), &v, err);
    if (rc == CT_ENOTFOUND) {
        /* Empty (just created) database: stamp it. Anything else is not ours. */
        ct_store_iter *it = ct_store_iter_new(s, NULL);
        bool empty;
        ct_store_iter_seek(it, (const uint8_t *)"", 0);
        empty = !ct_store_iter_valid(it);
        ct_store_iter_free(it);
        if (!empty || !may_stamp) {
            ct_buf_release(&v);
            return ct_fail(err, CT_EVERSION, "not-chaintrail",
                           "'%s' is a LevelDB database but not a chaintrail one", s->path);
        }
        uint8_t ver[4];
        ct_put_be32(ver, CT_SCHEMA_VERSION);
        ct_store_batch *b = ct_store_batch_new();
        if (!b) {
            ct_buf_release(&v);
            return ct_fail(err, CT_ENOMEM, "out-of-memory", "allocating a write batch");
        }
        ct_store_batch_put(b, engine_key, sizeof(engine_key), (const uint8_t *)engine_name,
                           strlen(engine_name));
        ct_store_batch_put(b, schema_key, sizeof(schema_key), ver, 4);
        rc = ct_store_write(s, b, true, err);
        s->version = CT_SCHEMA_VERSION;
        ct_store_batch_free(b);
        ct_buf_release(&v);
        return rc;
    }
    if (rc != CT_OK) {
        ct_buf_release(&v);
        return rc;
    }
    uint32_t have = v.len == 4 ? ct_be32(v.data) : 0;
    ct_buf_release(&v);
    s->version = have;
    if (have < CT_SCHEMA_VERSION_OLDEST || have > CT_SCHEMA_VERSION)
        return ct_fail(err, CT_EVERSION, "schema-version",
                       "database '%s' has schema version %u; this chaintrail reads version %u",
                       s->path, have, CT_SCHEMA_VERSION);
    return CT_OK;
}

int ct_store_open(ct_store **out, const char *path, const ct_store_options *o, ct_error *err)
{
    ct_store_options defaults = CT_STORE_OPTIONS_INIT;
    char *msg = NULL;
    struct stat st;
    bool created = false;
    int rc;

    *out = NULL;
    if (!o)
        o = &defaults;
    ct_error_set_file(err, path);
    /* Decide "missing" ourselves so the message is clear and nothing is created by mistake. */
    size_t plen = strlen(path);
    char *current = malloc(plen + 9);
    if (!current)
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "opening '%s'", path);
    snprintf(current, plen + 9, "%s/CURRENT", path);
    bool exists = stat(current, &st) == 0;
    free(current);
    if (!exists) {
        if (!o->create)
            return ct_fail(err, CT_ENOTFOUND, "no-database",
                           "no database at '%s' (run 'chaintrail ingest' first, or pass --db)",
                           path);
        if (stat(path, &st) == 0 && !S_ISDIR(st.st_mode))
            return ct_fail(err, CT_EIO, "not-a-directory", "'%s' exists and is not a directory",
                           path);
        created = true;
    }

    ct_store *s = calloc(1, sizeof(*s));
    if (!s || !(s->path = strdup(path))) {
        free(s);
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "opening '%s'", path);
    }
    s->opts = leveldb_options_create();
    s->cache = leveldb_cache_create_lru(o->cache_bytes);
    s->filter = leveldb_filterpolicy_create_bloom(10);
    s->ropts = leveldb_readoptions_create();
    s->wsync = leveldb_writeoptions_create();
    s->wnosync = leveldb_writeoptions_create();
    leveldb_options_set_create_if_missing(s->opts, created);
    leveldb_options_set_paranoid_checks(s->opts, 1);
    leveldb_options_set_cache(s->opts, s->cache);
    leveldb_options_set_filter_policy(s->opts, s->filter);
    leveldb_options_set_write_buffer_size(s->opts, o->write_buffer);
    leveldb_options_set_max_file_size(s->opts, 32u << 20);
    leveldb_options_set_compression(s->opts, leveldb_snappy_compression);
    leveldb_readoptions_set_verify_checksums(s->ropts, 1);
    leveldb_writeoptions_set_sync(s->wsync, 1);
    leveldb_writeoptions_set_sync(s->wnosync, 0);
    read_kill_hook(s);

    if (created) {
        if (mkdir(path, 0755) == 0)
            s->made_dir = true;
        else if (stat(path, &st) != 0) {
            store_free(s);
            return ct_fail(err, CT_EIO, "io-error", "cannot create database directory '%s'", path);
        }
    }
    s->created = created;
    s->db = leveldb_open(s->opts, path, &msg);
    if (msg) {
        rc = leveldb_fail(err, &msg, "cannot open database", path);
        s->db = NULL;
        store_free(s);
        return rc;
    }
    /* A creating open also stamps an empty database: one killed between LevelDB's creation
     * and the stamp (the first write) is still empty, never half-written. */
    rc = check_schema(s, created || o->create, err);
    if (rc != CT_OK) {
        store_free(s);
        return rc;
    }
    *out = s;
    return CT_OK;
}

void ct_store_close(ct_store *s)
{
    if (s)
        store_free(s);
}

/* Only rows whose first byte is in `minor` (at least the stamps' 'm'). */
static int holds_only(ct_store *s, const char *minor, bool *only, ct_error *err)
{
    ct_store_iter *it = ct_store_iter_new(s, NULL);
    if (!it)
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "iterator");
    *only = true;
    for (ct_store_iter_seek(it, (const uint8_t *)"", 0); ct_store_iter_valid(it);
         ct_store_iter_next(it)) {
        size_t kl;
        const uint8_t *k = ct_store_iter_key(it, &kl);
        if (kl == 0 || k[0] == 0 || !strchr(minor, k[0])) {
            *only = false;
            break;
        }
    }
    int rc = ct_store_iter_status(it, err);
    ct_store_iter_free(it);
    return rc;
}

int ct_store_close_discard(ct_store *s, const char *minor, bool *removed, ct_error *err)
{
    *removed = false;
    if (!s)
        return CT_OK;
    bool only = false;
    int rc = s->created ? holds_only(s, minor, &only, err) : CT_OK;
    if (rc != CT_OK || !only) {
        store_free(s);
        return rc;
    }
    char *path = s->path;
    bool made_dir = s->made_dir;
    s->path = NULL;
    leveldb_options_t *o = leveldb_options_create();
    store_free(s); /* closes LevelDB (and releases its lock) first */
    char *msg = NULL;
    leveldb_destroy_db(o, path, &msg);
    leveldb_options_destroy(o);
    if (msg) {
        rc = leveldb_fail(err, &msg, "cannot remove the empty database", path);
    } else {
        /* LevelDB removes the directory it held; give back one the user had made. */
        struct stat st;
        if (!made_dir && stat(path, &st) != 0)
            (void)mkdir(path, 0755);
        *removed = true;
    }
    free(path);
    return rc;
}

uint32_t ct_store_schema_version(const ct_store *s)
{
    return s->version;
}

int ct_store_write_stamp(ct_store *s, ct_store_batch *b, ct_error *err)
{
    uint8_t ver[4];
    ct_put_be32(ver, CT_SCHEMA_VERSION);
    ct_store_batch_put(b, schema_key, sizeof(schema_key), ver, 4);
    int rc = ct_store_write(s, b, true, err);
    if (rc == CT_OK)
        s->version = CT_SCHEMA_VERSION;
    return rc;
}

const char *ct_store_path(const ct_store *s)
{
    return s->path;
}

int ct_store_get(ct_store *s, const ct_store_snapshot *snap, const uint8_t *key, size_t klen,
                 ct_buf *val, ct_error *err)
{
    char *msg = NULL;
    size_t vlen = 0;
    leveldb_readoptions_t *ro = s->ropts;
    leveldb_readoptions_t *own = NULL;
    if (snap) {
        own = leveldb_readoptions_create();
        leveldb_readoptions_set_verify_checksums(own, 1);
        leveldb_readoptions_set_snapshot(own, snap->snap);
        ro = own;
    }
    char *v = leveldb_get(s->db, ro, (const char *)key, klen, &vlen, &msg);
    if (own)
        leveldb_readoptions_destroy(own);
    if (msg)
        return leveldb_fail(err, &msg, "cannot read database", s->path);
    if (!v)
        return CT_ENOTFOUND;
    ct_buf_reset(val);
    int rc = ct_buf_append(val, v, vlen);
    leveldb_free(v);
    if (rc != CT_OK)
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "reading a value of %zu bytes", vlen);
    return CT_OK;
}

ct_store_batch *ct_store_batch_new(void)
{
    ct_store_batch *b = calloc(1, sizeof(*b));
    if (b)
        b->wb = leveldb_writebatch_create();
    return b;
}

void ct_store_batch_free(ct_store_batch *b)
{
    if (!b)
        return;
    leveldb_writebatch_destroy(b->wb);
    free(b);
}

void ct_store_batch_clear(ct_store_batch *b)
{
    leveldb_writebatch_clear(b->wb);
    b->bytes = 0;
}

void ct_store_batch_put(ct_store_batch *b, const uint8_t *key, size_t klen, const uint8_t *val,
                        size_t vlen)
{
    leveldb_writebatch_put(b->wb, (const char *)key, klen, (const char *)val, vlen);
    b->bytes += klen + vlen + 8;
}

void ct_store_batch_del(ct_store_batch *b, const uint8_t *key, size_t klen)
{
    leveldb_writebatch_delete(b->wb, (const char *)key, klen);
    b->bytes += klen + 8;
}

void ct_store_batch_append(ct_store_batch *dst, const ct_store_batch *src)
{
    leveldb_writebatch_append(dst->wb, src->wb);
    dst->bytes += src->bytes;
}

size_t ct_store_batch_bytes(const ct_store_batch *b)
{
    return b->bytes;
}

int ct_store_write(ct_store *s, ct_store_batch *b, bool sync, ct_error *err)
{
    char *msg = NULL;
    s->writes++;
    s->bytes_written += b->bytes;
    if (s->kill_at && s->writes == s->kill_at && !s->kill_after)
        raise(SIGKILL);
    leveldb_write(s->db, sync ? s->wsync : s->wnosync, b->wb, &msg);
    if (msg)
        return leveldb_fail(err, &msg, "cannot write database", s->path);
    if (s->kill_at && s->writes == s->kill_at && s->kill_after)
        raise(SIGKILL);
    return CT_OK;
}

ct_store_snapshot *ct_store_snapshot_new(ct_store *s)
{
    ct_store_snapshot *snap = malloc(sizeof(*snap));
    if (snap)
        snap->snap = leveldb_create_snapshot(s->db);
    return snap;
}

void ct_store_snapshot_free(ct_store *s, ct_store_snapshot *snap)
{
    if (!snap)
        return;
    leveldb_release_snapshot(s->db, snap->snap);
    free(snap);
}

static ct_store_iter *iter_new(ct_store *s, const ct_store_snapshot *snap, bool fill_cache)
{
    ct_store_iter *it = calloc(1, sizeof(*it));
    if (!it)
        return NULL;
    it->ropts = leveldb_readoptions_create();
    leveldb_readoptions_set_verify_checksums(it->ropts, 1);
    leveldb_readoptions_set_fill_cache(it->ropts, fill_cache);
    if (snap)
        leveldb_readoptions_set_snapshot(it->ropts, snap->snap);
    it->it = leveldb_create_iterator(s->db, it->ropts);
    return it;
}

ct_store_iter *ct_store_iter_new(ct_store *s, const ct_store_snapshot *snap)
{
    return iter_new(s, snap, false);
}

ct_store_iter *ct_store_iter_new_cached(ct_store *s, const ct_store_snapshot *snap)
{
    return iter_new(s, snap, true);
}

void ct_store_iter_free(ct_store_iter *it)
{
    if (!it)
        return;
    leveldb_iter_destroy(it->it);
    leveldb_readoptions_destroy(it->ropts);
    free(it);
}

void ct_store_iter_seek(ct_store_iter *it, const uint8_t *key, size_t klen)
{
    leveldb_iter_seek(it->it, (const char *)key, klen);
}

bool ct_store_iter_valid(const ct_store_iter *it)
{
    return leveldb_iter_valid(it->it) != 0;
}

void ct_store_iter_next(ct_store_iter *it)
{
    leveldb_iter_next(it->it);
}

const uint8_t *ct_store_iter_key(const ct_store_iter *it, size_t *klen)
{
    return (const uint8_t *)leveldb_iter_key(it->it, klen);
}

const uint8_t *ct_store_iter_value(const ct_store_iter *it, size_t *vlen)
{
    return (const uint8_t *)leveldb_iter_value(it->it, vlen);
}

int ct_store_iter_status(const ct_store_iter *it, ct_error *err)
{
    char *msg = NULL;
    leveldb_iter_get_error(it->it, &msg);
    if (msg)
        return leveldb_fail(err, &msg, "cannot read database", "(iterator)");
    return CT_OK;
}

/* ---- compaction state and settling ---- */

int ct_store_property(ct_store *s, const char *name, ct_buf *val, ct_error *err)
{
    char *v = leveldb_property_value(s->db, name);
    if (!v)
        return CT_ENOTFOUND;
    ct_buf_reset(val);
    int rc = ct_buf_append(val, v, strlen(v));
    leveldb_free(v);
    if (rc != CT_OK)
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "reading LevelDB property '%s'", name);
    return CT_OK;
}

/* LevelDB 1.23's MaxBytesForLevel: 10 MiB for level 1, ten times more per level. */
static double max_bytes_for_level(int level)
{
    double r = 10.0 * 1048576.0;
    for (; level > 1; level--)
        r *= 10;
    return r;
}

static int levels_bad(ct_error *err, const char *line, const char *why)
{
    size_t n = strcspn(line, "\n");
    return ct_fail(err, CT_EIO, "leveldb-property",
                   "unexpected line in LevelDB's table list (%s): '%.*s'", why,
                   (int)(n > 80 ? 80 : n), line);
}

/* Parses LevelDB's Version::DebugString ("leveldb.sstables"): for each level a line
 * "--- level N ---", then one line per table " NUMBER:SIZE[SMALLEST .. LARGEST]". Keys are
 * written with non-printable bytes escaped (\xNN), so a line never holds a newline. */
int ct_store_levels_parse(const char *text, ct_store_levels *out, ct_error *err)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    int level = -1;
    memset(out, 0, sizeof(*out));
    for (const char *p = text, *nl; *p; p = nl ? nl + 1 : p + strlen(p)) {
        char *end;
        nl = strchr(p, '\n');
        if (p == nl)
            continue;
        if (strncmp(p, "--- level ", 10) == 0) {
            long n = strtol(p + 10, &end, 10);
            if (end == p + 10 || strncmp(end, " ---", 4) != 0 || n != level + 1 ||
                n >= CT_STORE_LEVELS)
                return levels_bad(err, p, "level header");
            level = (int)n;
            continue;
        }
        if (p[0] != ' ' || p[1] < '0' || p[1] > '9' || level < 0)
            return levels_bad(err, p, "neither a level nor a table");
        unsigned long long num = strtoull(p + 1, &end, 10);
        if (end[0] != ':' || end[1] < '0' || end[1] > '9')
            return levels_bad(err, p, "file number");
        unsigned long long size = strtoull(end + 1, &end, 10);
        if (*end != '[')
            return levels_bad(err, p, "file size");
        out->files[level]++;
        out->bytes[level] += size;
        for (int i = 0; i < 8; i++)
            h = (h ^ ((num >> (8 * i)) & 0xff)) * 1099511628211ull;
        h = (h ^ (uint64_t)level) * 1099511628211ull;
    }
    if (level != CT_STORE_LEVELS - 1)
        return ct_fail(err, CT_EIO, "leveldb-property",
                       "LevelDB's table list has %d levels, expected %d", level + 1,
                       CT_STORE_LEVELS);
    out->ident = h;
    out->level = -1;
    out->score_max = -1;
    for (int l = 0; l < CT_STORE_LEVELS - 1; l++) { /* the last level is not scored */
        out->score[l] =
            l == 0 ? out->files[0] / 4.0 : (double)out->bytes[l] / max_bytes_for_level(l);
        if (out->score[l] > out->score_max) {
            out->score_max = out->score[l];
            out->level = l;
        }
    }
    return CT_OK;
}

int ct_store_levels_get(ct_store *s, ct_store_levels *out, ct_error *err)
{
    ct_buf v;
    ct_buf_init(&v, 64u << 20); /* a table list: about 100 bytes per table */
    int rc = ct_store_property(s, "leveldb.sstables", &v, err);
    if (rc == CT_ENOTFOUND)
        rc = ct_fail(err, CT_EIO, "leveldb-property",
                     "LevelDB does not answer the property 'leveldb.sstables'");
    if (rc == CT_OK)
        rc = ct_store_levels_parse(v.data ? (const char *)v.data : "", out, err);
    ct_buf_release(&v);
    return rc;
}

static double mono_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Bytes of the table files in the database directory, finished or being written: a running
 * compaction's output grows here long before the table set changes. 0 when unreadable. */
static uint64_t table_file_bytes(const char *path)
{
    uint64_t sum = 0;
    DIR *d = opendir(path);
    if (!d)
        return 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        struct stat st;
        if (n > 4 &&
            (strcmp(e->d_name + n - 4, ".ldb") == 0 || strcmp(e->d_name + n - 4, ".sst") == 0) &&
            fstatat(dirfd(d), e->d_name, &st, 0) == 0)
            sum += (uint64_t)st.st_size + 1; /* +1: a new empty file counts too */
    }
    closedir(d);
    return sum;
}

/* LevelDB stops compacting after a background error (a failed write, disk full) and then
 * returns that error to every write: an empty batch asks for it without writing a row. */
static int background_error(ct_store *s, ct_error *err)
{
    char *msg = NULL;
    leveldb_writebatch_t *wb = leveldb_writebatch_create();
    leveldb_write(s->db, s->wnosync, wb, &msg);
    leveldb_writebatch_destroy(wb);
    if (msg)
        return leveldb_fail(err, &msg, "compaction failed in database", s->path);
    return CT_OK;
}

/* Writes the memtable to a table: leveldb_compact_range first flushes the memtable, then
 * compacts the range at each level; the range here is one key past the last one, which no
 * table overlaps, so only the flush does work. */
static void flush_memtable(ct_store *s)
{
    leveldb_iterator_t *it = leveldb_create_iterator(s->db, s->ropts);
    char *key = NULL;
    size_t klen = 0;
    leveldb_iter_seek_to_last(it);
    if (leveldb_iter_valid(it)) {
        const char *k = leveldb_iter_key(it, &klen);
        key = malloc(klen + 1);
        if (key) {
            memcpy(key, k, klen);
            key[klen++] = '\0'; /* the smallest key above k */
        }
    }
    leveldb_iter_destroy(it);
    if (key)
        leveldb_compact_range(s->db, key, klen, key, klen);
    else
        leveldb_compact_range(s->db, "\xff", 1, "\xff", 1);
    free(key);
}

/* ---- the whole range in pieces ----
 * Piece i is the key range [bound i, bound i+1) (the first from the start of the key
 * space, the last to its end). Bounds are found by walking the key space in order, one
 * byte of prefix at a time: a prefix range whose approximate size is above PIECE_BYTES is
 * split into its 256 one-byte-longer ranges; consecutive small ranges are grouped. */
#define PIECE_BYTES (64u << 20)
#define PIECE_DEPTH 24 /* prefix bytes at most */
#define PIECES_MAX  4096

typedef struct pieces {
    char *bound[PIECES_MAX];
    size_t len[PIECES_MAX];
    unsigned n;
    uint64_t acc; /* approximate bytes since the last bound */
    bool oom;
} pieces;

static void pieces_free(pieces *pc)
{
    for (unsigned i = 0; i < pc->n; i++)
        free(pc->bound[i]);
    pc->n = 0;
}

static void pieces_bound(pieces *pc, const char *k, size_t len)
{
    if (pc->n == PIECES_MAX) /* larger pieces then: the last one takes the rest */
        return;
    char *c = malloc(len ? len : 1);
    if (!c) {
        pc->oom = true;
        return;
    }
    memcpy(c, k, len);
    pc->bound[pc->n] = c;
    pc->len[pc->n++] = len;
}

/* Walks [p, lim) (lim: the key after the prefix range, limlen bytes), p being plen bytes
 * of prefix followed by room for one more byte. */
static void pieces_split(ct_store *s, pieces *pc, char *p, size_t plen, const char *lim,
                         size_t limlen)
{
    const char *start[256], *limit[256];
    size_t slen[256], llen[256];
    uint64_t size[256];
    char *kids = malloc(256 * (plen + 1) * 2);
    if (!kids) {
        pc->oom = true;
        return;
    }
    for (int c = 0; c < 256; c++) {
        char *k = kids + (size_t)c * (plen + 1) * 2;
        memcpy(k, p, plen);
        k[plen] = (char)c;
        start[c] = k;
        slen[c] = c == 0 ? plen : plen + 1; /* the first one also holds the key p itself */
        if (c < 255) {
            char *l = k + plen + 1;
            memcpy(l, p, plen);
            l[plen] = (char)(c + 1);
            limit[c] = l;
            llen[c] = plen + 1;
        } else {
            limit[c] = lim;
            llen[c] = limlen;
        }
    }
    leveldb_approximate_sizes(s->db, 256, start, slen, limit, llen, size);
    for (int c = 0; c < 256 && !pc->oom; c++) {
        if (size[c] > PIECE_BYTES && plen + 1 < PIECE_DEPTH) {
            if (pc->acc > 0) {
                pieces_bound(pc, start[c], slen[c]);
                pc->acc = 0;
            }
            char *q = malloc(plen + 2);
            if (!q) {
                pc->oom = true;
                break;
            }
            memcpy(q, p, plen);
            q[plen] = (char)c;
            pieces_split(s, pc, q, plen + 1, limit[c], llen[c]);
            free(q);
        } else {
            if (pc->acc > 0 && pc->acc + size[c] > PIECE_BYTES) {
                pieces_bound(pc, start[c], slen[c]);
                pc->acc = 0;
            }
            pc->acc += size[c];
        }
    }
    free(kids);
}

static int pieces_find(ct_store *s, pieces *pc, ct_error *err)
{
    static const char end[PIECE_DEPTH + 1] = {
        '\xff', '\xff', '\xff', '\xff', '\xff', '\xff', '\xff', '\xff', '\xff',
        '\xff', '\xff', '\xff', '\xff', '\xff', '\xff', '\xff', '\xff', '\xff',
        '\xff', '\xff', '\xff', '\xff', '\xff', '\xff', '\xff'};
    char root[1];
    memset(pc, 0, sizeof(*pc));
    pieces_bound(pc, "", 0); /* the first piece starts at the start */
    pieces_split(s, pc, root, 0, end, sizeof(end));
    if (pc->oom) {
        pieces_free(pc);
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "splitting the key range of '%s'", s->path);
    }
    return CT_OK;
}

/* Compacts piece i: every level's tables over its range go down to the deepest level that
 * holds any of them. */
static void pieces_compact(ct_store *s, const pieces *pc, unsigned i)
{
    bool last = i + 1 == pc->n;
    leveldb_compact_range(s->db, i == 0 ? NULL : pc->bound[i], i == 0 ? 0 : pc->len[i],
                          last ? NULL : pc->bound[i + 1], last ? 0 : pc->len[i + 1]);
}

int ct_store_settle(ct_store *s, double stall_seconds, ct_store_compact compact,
                    ct_store_settle_progress cb, void *ctx, ct_store_settle_info *info,
                    ct_error *err)
{
    const double poll = 0.05, probe_after = 2.0;
    double start = mono_now(), last_change = start, last_probe = start;
    uint64_t files_bytes = table_file_bytes(s->path);
    pieces pc;
    int rc;

    memset(&pc, 0, sizeof(pc));
    if (stall_seconds <= 0)
        stall_seconds = 60;
    memset(info, 0, sizeof(*info));
    info->bytes_written = s->bytes_written;
    if ((rc = ct_store_levels_get(s, &info->levels, err)) != CT_OK)
        return rc;
    uint64_t ident = info->levels.ident;
    for (;;) {
        double t = mono_now();
        info->seconds = t - start;
        if (info->levels.ident != ident) {
            info->compactions++;
            ident = info->levels.ident;
            last_change = t;
        }
        uint64_t fb = table_file_bytes(s->path);
        if (fb != files_bytes) {
            files_bytes = fb;
            last_change = t;
        }
        bool due = info->levels.score_max >= 1;
        bool more = info->compacting && info->pieces_done < info->pieces;
        if (!due && info->flushed && !more) {
            info->outcome = CT_STORE_SETTLED;
            break;
        }
        if (cb && cb(ctx, info)) {
            info->outcome = CT_STORE_SETTLE_STOPPED;
            break;
        }
        if (!due) {
            double t0 = mono_now();
            if (!info->flushed) {
                flush_memtable(s);
                info->flushed = true;
                uint64_t total = 0;
                for (int l = 0; l < CT_STORE_LEVELS; l++)
                    total += info->levels.bytes[l];
                if (compact == CT_STORE_COMPACT_ALWAYS ||
                    (compact == CT_STORE_COMPACT_AUTO && s->bytes_written >= total / 2 &&
                     s->bytes_written > 0)) {
                    if ((rc = pieces_find(s, &pc, err)) != CT_OK)
                        return rc;
                    info->compacting = true;
                    info->pieces = pc.n;
                }
            } else {
                pieces_compact(s, &pc, info->pieces_done++);
                info->compact_seconds += mono_now() - t0;
            }
            if ((rc = background_error(s, err)) != CT_OK)
                break;
            if ((rc = ct_store_levels_get(s, &info->levels, err)) != CT_OK)
                break;
            /* the table set changed by our own doing: not a compaction seen */
            ident = info->levels.ident;
            files_bytes = table_file_bytes(s->path);
            last_change = last_probe = mono_now();
            continue;
        }
        if (t - last_change >= probe_after && t - last_probe >= probe_after) {
            last_probe = t;
            if ((rc = background_error(s, err)) != CT_OK)
                break;
        }
        if (t - last_change >= stall_seconds) {
            info->outcome = CT_STORE_SETTLE_STALLED;
            break;
        }
        struct timespec ts = {0, (long)(poll * 1e9)};
        nanosleep(&ts, NULL); /* a signal cuts it short: cb is asked at once */
        if ((rc = ct_store_levels_get(s, &info->levels, err)) != CT_OK)
            break;
    }
    pieces_free(&pc);
    info->seconds = mono_now() - start;
    return rc;
}
