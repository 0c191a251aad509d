/* Clustering policy, start, and the readers' lookups (cluster_internal.h). */
#include <string.h>

#include "cluster/cluster_internal.h"

void ct_cluster_default_policy(ct_cl_policy *pol)
{
    pol->threshold = CT_CL_DEFAULT_THRESHOLD;
    pol->detectors = (1u << CT_CL_DETECTORS) - 1;
}

unsigned ct_cluster_mask(const ct_cl_policy *pol, const char *network)
{
    unsigned m = pol->detectors & CT_CJ_ALL;
    if (strcmp(network, "mainnet") != 0)
        m |= CT_CJ_ANY_HEIGHT;
    return m;
}

int ct_cluster_check(const ct_db *db, ct_error *err)
{
    if (!db->cl_rebuilding)
        return CT_OK;
    return ct_fail(err, CT_EINVAL, "rebuild-interrupted",
                   "a 'chaintrail cluster rebuild' was interrupted and left the clusters "
                   "incomplete; run 'chaintrail cluster rebuild' to finish it");
}

int ct_cluster_start(ct_db *db, const ct_cl_policy *pol, ct_error *err)
{
    ct_cl_policy p;
    if (pol)
        p = *pol;
    else
        ct_cluster_default_policy(&p);
    ct_store_batch *b = ct_store_batch_new();
    if (!b)
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "allocating a batch");
    uint8_t k[16], v[CT_CL_COUNTERS_SIZE];
    ct_cl_counters zero;
    memset(&zero, 0, sizeof(zero));
    ct_store_batch_put(b, k, ct_key_meta(k, "clpolicy"), v, ct_cl_policy_encode(v, &p));
    ct_store_batch_put(b, k, ct_key_meta(k, "clcounters"), v, ct_cl_counters_encode(v, &zero));
    int rc = ct_store_write(db->st, b, true, err);
    ct_store_batch_free(b);
    if (rc == CT_OK) {
        db->clusters = true;
        db->cl_policy = p;
        db->cl_ctr = zero;
    }
    return rc;
}

static int reader_get(void *ctx, const uint8_t *k, size_t kl, const uint8_t **v, size_t *vl)
{
    ct_cl_reader *r = ctx;
    int rc = ct_store_get(r->st, r->snap, k, kl, &r->v, r->err);
    *v = r->v.data;
    *vl = r->v.len;
    return rc;
}

static int reader_put(void *ctx, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl,
                      const uint8_t *old, size_t old_len, bool old_present)
{
    ct_cl_reader *r = ctx;
    return ct_fail(r->err, CT_EINVAL, "read-only", "a cluster reader does not write");
}

void ct_cl_reader_init(ct_cl_reader *r, ct_store *st, const ct_store_snapshot *snap, ct_error *err)
{
    ct_cl_io io = {r, reader_get, reader_put};
    r->st = st;
    r->snap = snap;
    r->err = err;
    ct_buf_init(&r->v, 1u << 20);
    memset(&r->none, 0, sizeof(r->none));
    memset(&r->scratch, 0, sizeof(r->scratch));
    ct_cl_work_init(&r->w, &io, &r->none, &r->scratch, err);
}

void ct_cl_reader_release(ct_cl_reader *r)
{
    ct_cl_work_release(&r->w);
    ct_buf_release(&r->v);
}

int ct_cl_reader_find(ct_cl_reader *r, uint64_t addrid, ct_cl_root *out)
{
    int rc = ct_cl_find(&r->w, addrid, out);
    ct_cl_discard(&r->w);
    return rc;
}
