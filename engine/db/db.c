/* The database handle: open and close, the meta rows (counters, next ids, tip, network)
 * kept in memory between batches, and resume markers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db_internal.h"

int ct_db_load_meta(ct_db *db, ct_error *err)
{
    uint8_t k[16];
    ct_buf v;
    int rc;
    ct_buf_init(&v, 1u << 20);
    memset(&db->ctr, 0, sizeof(db->ctr));
    db->next.txnum = 1;
    db->next.addrid = 1;
    db->next.file_id = 1;
    db->has_tip = false;
    memset(db->tip_work, 0, 32);
    db->network[0] = '\0';
    db->clusters = false;
    db->cl_rebuilding = false;
    memset(&db->cl_policy, 0, sizeof(db->cl_policy));
    memset(&db->cl_ctr, 0, sizeof(db->cl_ctr));

    rc = ct_store_get(db->st, NULL, k, ct_key_meta(k, "clpolicy"), &v, err);
    if (rc == CT_OK && (rc = ct_cl_policy_decode(&db->cl_policy, v.data, v.len, err)) == CT_OK)
        db->clusters = true;
    if (rc != CT_OK && rc != CT_ENOTFOUND)
        goto out;
    rc = ct_store_get(db->st, NULL, k, ct_key_meta(k, "clrebuild"), &v, err);
    /* (the policy being rebuilt: a rebuild without options finishes with it) */
    if (rc == CT_OK && (rc = ct_cl_policy_decode(&db->cl_policy, v.data, v.len, err)) == CT_OK)
        db->cl_rebuilding = true;
    else if (rc != CT_ENOTFOUND)
        goto out;
    rc = ct_store_get(db->st, NULL, k, ct_key_meta(k, "clcounters"), &v, err);
    if (rc == CT_OK)
        rc = ct_cl_counters_decode(&db->cl_ctr, v.data, v.len, err);
    if (rc != CT_OK && rc != CT_ENOTFOUND)
        goto out;

    rc = ct_store_get(db->st, NULL, k, ct_key_meta(k, "counters"), &v, err);
    if (rc == CT_OK)
        rc = ct_counters_decode(&db->ctr, v.data, v.len, err);
    if (rc != CT_OK && rc != CT_ENOTFOUND)
        goto out;
    rc = ct_store_get(db->st, NULL, k, ct_key_meta(k, "next"), &v, err);
    if (rc == CT_OK)
        rc = ct_row_next_decode(&db->next, v.data, v.len, err);
    if (rc != CT_OK && rc != CT_ENOTFOUND)
        goto out;
    rc = ct_store_get(db->st, NULL, k, ct_key_meta(k, "network"), &v, err);
    if (rc == CT_OK)
        snprintf(db->network, sizeof(db->network), "%.*s", (int)v.len, (const char *)v.data);
    else if (rc != CT_ENOTFOUND)
        goto out;
    rc = ct_store_get(db->st, NULL, k, ct_key_meta(k, "tip"), &v, err);
    if (rc == CT_OK) {
        if ((rc = ct_row_tip_decode(&db->tip, v.data, v.len, err)))
            goto out;
        uint8_t hk[33];
        ct_row_header h;
        rc = ct_store_get(db->st, NULL, hk, ct_key_hash(hk, CT_T_HEADER, db->tip.hash), &v, err);
        if (rc == CT_OK)
            rc = ct_row_header_decode(&h, v.data, v.len, err);
        if (rc == CT_ENOTFOUND)
            rc = ct_fail(err, CT_EDBCORRUPT, "missing-row", "the tip's header row is missing");
        if (rc)
            goto out;
        memcpy(db->tip_work, h.chainwork, 32);
        db->has_tip = true;
    }
    rc = rc == CT_ENOTFOUND ? CT_OK : rc;
    if (rc != CT_OK)
        goto out;
    rc = ct_store_get(db->st, NULL, k, ct_key_meta(k, "cbheights"), &v, err);
    if (rc == CT_OK) {
        if (v.len != 1 || v.data[0] > 1) {
            rc = ct_fail(err, CT_EDBCORRUPT, "bad-row", "meta row cbheights of %zu bytes", v.len);
            goto out;
        }
        db->cb_heights = v.data[0];
    } else if (rc == CT_ENOTFOUND) {
        /* A database without blocks starts with the property true; an older one with blocks
         * does not know it. */
        db->cb_heights = db->has_tip || db->ctr.blocks ? -1 : 1;
        rc = CT_OK;
    }
out:
    ct_buf_release(&v);
    return rc;
}

int ct_db_put_meta(ct_db *db, ct_store_batch *b)
{
    uint8_t k[16], v[CT_COUNTERS_WIDE];
    ct_store_batch_put(b, k, ct_key_meta(k, "counters"), v, ct_counters_encode(v, &db->ctr));
    ct_store_batch_put(b, k, ct_key_meta(k, "next"), v, ct_row_next_encode(v, &db->next));
    if (db->has_tip)
        ct_store_batch_put(b, k, ct_key_meta(k, "tip"), v, ct_row_tip_encode(v, &db->tip));
    else
        ct_store_batch_del(b, k, ct_key_meta(k, "tip"));
    if (db->cb_heights >= 0) {
        v[0] = (uint8_t)db->cb_heights;
        ct_store_batch_put(b, k, ct_key_meta(k, "cbheights"), v, 1);
    }
    if (db->clusters) {
        uint8_t cv[CT_CL_COUNTERS_SIZE];
        ct_store_batch_put(b, k, ct_key_meta(k, "clcounters"), cv,
                           ct_cl_counters_encode(cv, &db->cl_ctr));
        ct_store_batch_put(b, k, ct_key_meta(k, "clpolicy"), cv,
                           ct_cl_policy_encode(cv, &db->cl_policy));
    }
    return CT_OK;
}

/* True when the database holds no Bitcoin header (no block of any status): nothing of its
 * network is stored yet (file registrations hold no block of it). */
static int no_bitcoin_rows(ct_db *db, bool *none, ct_error *err)
{
    static const uint8_t tables[] = {CT_T_HEADER};
    ct_store_iter *it = ct_store_iter_new(db->st, NULL);
    if (!it)
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "iterator");
    *none = !db->has_tip && db->ctr.blocks == 0;
    for (size_t i = 0; *none && i < sizeof(tables); i++) {
        ct_store_iter_seek(it, &tables[i], 1);
        size_t kl;
        if (ct_store_iter_valid(it) && ct_store_iter_key(it, &kl)[0] == tables[i])
            *none = false;
    }
    int rc = ct_store_iter_status(it, err);
    ct_store_iter_free(it);
    return rc;
}

int ct_db_check_network(ct_db *db, const ct_btc_params *net, ct_error *err)
{
    if (db->network[0]) {
        if (strcmp(db->network, net->name) == 0)
            return CT_OK;
        /* A database that was given a network by a run that stored no block (say, one that
         * stopped at blocks of another network) takes the network of the first run that
         * does: nothing stored depends on it yet. */
        bool none = false;
        int rc = no_bitcoin_rows(db, &none, err);
        if (rc != CT_OK)
            return rc;
        if (!none)
            return ct_fail(err, CT_ENETWORK, "network-mismatch",
                           "the database holds %s blocks; these blocks were read as %s",
                           db->network, net->name);
    }
    uint8_t k[16];
    ct_store_batch *b = ct_store_batch_new();
    if (!b)
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "allocating a batch");
    ct_store_batch_put(b, k, ct_key_meta(k, "network"), (const uint8_t *)net->name,
                       strlen(net->name));
    int rc = ct_store_write(db->st, b, true, err);
    ct_store_batch_free(b);
    if (rc == CT_OK)
        snprintf(db->network, sizeof(db->network), "%s", net->name);
    return rc;
}

void ct_db_marker_put(ct_store_batch *b, uint32_t file_id, const ct_row_file *fr)
{
    uint8_t k[5], v[CT_ROW_FILE_SIZE];
    ct_store_batch_put(b, k, ct_key_u32(k, CT_T_FILE, file_id), v, ct_row_file_encode(v, fr));
}

void ct_db_batch_append_marker(ct_store_batch *dst, const ct_store_batch *marker)
{
    if (marker)
        ct_store_batch_append(dst, marker);
}

/* Schema 2 to 3: the rows of cases, prices and labels move from their letters (K, P, B, b)
 * to their prefixes above the graph's, their counters rows from m to 0xf0; the last batch
 * stamps version 3. Each batch moves rows (put and delete together), so an interrupted
 * migration is finished by the next open. */
static int migrate_v2(ct_db *db, ct_error *err)
{
    static const uint8_t moves[][2] = {{CT_T_CASE_V2, CT_T_CASE},
                                       {CT_T_PRICE_V2, CT_T_PRICE},
                                       {CT_T_LABEL_V2, CT_T_LABEL},
                                       {CT_T_LABEL_SOURCE_V2, CT_T_LABEL_SOURCE}};
    static const char *const metas[] = {"labels", "prices"};
    ct_store_batch *b = ct_store_batch_new();
    ct_buf key, val;
    ct_buf_init(&key, 1u << 16);
    ct_buf_init(&val, 1u << 20);
    int rc = b ? CT_OK : ct_fail(err, CT_ENOMEM, "out-of-memory", "migrating");
    size_t pending = 0;
    for (size_t m = 0; rc == CT_OK && m < sizeof(moves) / sizeof(moves[0]); m++) {
        ct_store_iter *it = ct_store_iter_new(db->st, NULL);
        if (!it) {
            rc = ct_fail(err, CT_ENOMEM, "out-of-memory", "migrating");
            break;
        }
        for (ct_store_iter_seek(it, &moves[m][0], 1); ct_store_iter_valid(it);
             ct_store_iter_next(it)) {
            size_t kl, vl;
            const uint8_t *k = ct_store_iter_key(it, &kl);
            if (kl == 0 || k[0] != moves[m][0])
                break;
            const uint8_t *v = ct_store_iter_value(it, &vl);
            ct_buf_reset(&key);
            if ((rc = ct_buf_putc(&key, moves[m][1])) ||
                (rc = ct_buf_append(&key, k + 1, kl - 1))) {
                rc = ct_fail(err, rc, "out-of-memory", "migrating");
                break;
            }
            ct_store_batch_put(b, key.data, key.len, v, vl);
            ct_store_batch_del(b, k, kl);
            if (++pending == 5000) {
                if ((rc = ct_store_write(db->st, b, true, err)))
                    break;
                ct_store_batch_clear(b);
                pending = 0;
            }
        }
        if (rc == CT_OK)
            rc = ct_store_iter_status(it, err);
        ct_store_iter_free(it);
    }
    for (size_t m = 0; rc == CT_OK && m < 2; m++) {
        uint8_t k[16];
        size_t kl = ct_key_meta(k, metas[m]);
        rc = ct_store_get(db->st, NULL, k, kl, &val, err);
        if (rc == CT_ENOTFOUND) {
            rc = CT_OK;
            continue;
        }
        if (rc != CT_OK)
            break;
        uint8_t nk[16];
        ct_store_batch_put(b, nk, ct_key_user_meta(nk, metas[m]), val.data, val.len);
        ct_store_batch_del(b, k, kl);
    }
    if (rc == CT_OK)
        rc = ct_store_write_stamp(db->st, b, err);
    ct_store_batch_free(b);
    ct_buf_release(&key);
    ct_buf_release(&val);
    return rc;
}

int ct_db_open(ct_db **out, const char *path, const ct_db_options *opts, ct_error *err)
{
    ct_db_options defaults = CT_DB_OPTIONS_INIT;
    ct_store_options so = CT_STORE_OPTIONS_INIT;
    int rc;
    *out = NULL;
    if (!opts)
        opts = &defaults;
    so.create = opts->create;
    if (opts->cache_bytes)
        so.cache_bytes = opts->cache_bytes;
    ct_db *db = calloc(1, sizeof(*db));
    if (!db)
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "opening '%s'", path);
    if ((rc = ct_store_open(&db->st, path, &so, err)) ||
        (ct_store_schema_version(db->st) < CT_SCHEMA_VERSION && (rc = migrate_v2(db, err))) ||
        (rc = ct_db_load_meta(db, err))) {
        ct_db_close(db);
        return rc;
    }
    *out = db;
    return CT_OK;
}

void ct_db_close(ct_db *db)
{
    if (!db)
        return;
    ct_store_close(db->st);
    free(db);
}

int ct_db_close_discard(ct_db *db, bool *removed, ct_error *err)
{
    *removed = false;
    if (!db)
        return CT_OK;
    /* meta rows, and the registrations of input files (no block read from them) */
    static const char minor[] = {CT_T_META, CT_T_FILE, CT_T_FILEPATH, '\0'};
    int rc = ct_store_close_discard(db->st, minor, removed, err);
    free(db);
    return rc;
}

typedef struct settle_ctx {
    const ct_db_settle_options *o;
    ct_db_settle_stats *st;
} settle_ctx;

static void settle_stats(ct_db_settle_stats *st, const ct_store_settle_info *in)
{
    st->outcome = in->outcome == CT_STORE_SETTLED          ? CT_SETTLE_DONE
                  : in->outcome == CT_STORE_SETTLE_STOPPED ? CT_SETTLE_STOPPED
                                                           : CT_SETTLE_STALLED;
    st->seconds = in->seconds;
    st->compactions = in->compactions;
    st->level = in->levels.level;
    st->score = in->levels.score_max;
    st->compacting = in->compacting;
    st->pieces_done = in->pieces_done;
    st->pieces = in->pieces;
    st->compact_seconds = in->compact_seconds;
}

static int settle_progress(void *ctx, const ct_store_settle_info *info)
{
    settle_ctx *c = ctx;
    if (c->o->stop && *c->o->stop)
        return 1;
    if (c->o->progress) {
        settle_stats(c->st, info);
        c->o->progress(c->o->ctx, c->st);
    }
    return 0;
}

int ct_db_settle(ct_db *db, ct_db_settle_stats *stats, const ct_db_settle_options *opts,
                 ct_error *err)
{
    ct_db_settle_options defaults = CT_DB_SETTLE_OPTIONS_INIT;
    ct_store_settle_info info;
    if (!opts)
        opts = &defaults;
    memset(stats, 0, sizeof(*stats));
    settle_ctx c = {opts, stats};
    ct_store_compact mode = opts->compact == CT_SETTLE_COMPACT_NEVER    ? CT_STORE_COMPACT_NEVER
                            : opts->compact == CT_SETTLE_COMPACT_ALWAYS ? CT_STORE_COMPACT_ALWAYS
                                                                        : CT_STORE_COMPACT_AUTO;
    int rc = ct_store_settle(db->st, opts->stall_seconds, mode, settle_progress, &c, &info, err);
    settle_stats(stats, &info); /* filled whatever the outcome */
    return rc;
}

struct ct_db_snapshot {
    ct_store_snapshot *snap;
};

ct_db_snapshot *ct_db_snapshot_new(ct_db *db)
{
    ct_db_snapshot *s = malloc(sizeof(*s));
    if (!s)
        return NULL;
    s->snap = ct_store_snapshot_new(db->st);
    if (!s->snap) {
        free(s);
        return NULL;
    }
    return s;
}

void ct_db_snapshot_free(ct_db *db, ct_db_snapshot *snap)
{
    if (!snap)
        return;
    ct_store_snapshot_free(db->st, snap->snap);
    free(snap);
}

const ct_store_snapshot *ct_db_snapshot_store(const ct_db_snapshot *snap)
{
    return snap ? snap->snap : NULL;
}
