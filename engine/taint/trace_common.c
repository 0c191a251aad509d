/* Label cache, stop categories and budget shared by the two tracers (trace_common.h). */
#include "taint/trace_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/util.h"

void ct_label_cache_init(ct_label_cache *c, ct_label_fn label_of, void *ctx, const char *during)
{
    memset(c, 0, sizeof(*c));
    ct_hmap_init(&c->map);
    c->label_of = label_of;
    c->ctx = ctx;
    c->during = during;
}

void ct_label_cache_release(ct_label_cache *c)
{
    ct_hmap_release(&c->map);
    free(c->cat);
    c->cat = NULL;
    c->n = c->cap = 0;
}

int ct_label_cache_category(ct_label_cache *c, uint64_t addrid, const char **out,
                            ct_error *err)
{
    uint8_t key[8];
    uint64_t idx;
    ct_put_be64(key, addrid);
    if (ct_hmap_get(&c->map, key, 8, &idx)) {
        *out = c->cat[idx];
        return CT_OK;
    }
    char cat[24] = "", label[128];
    if (addrid != 0 && c->label_of) {
        int rc = c->label_of(c->ctx, addrid, cat, sizeof(cat), label, sizeof(label), err);
        if (rc != CT_OK && rc != CT_ENOTFOUND)
            return rc;
        if (rc == CT_ENOTFOUND)
            cat[0] = '\0';
    }
    if (c->n == c->cap) {
        size_t ncap = c->cap ? c->cap * 2 : 256;
        char(*nc)[24] = realloc(c->cat, ncap * sizeof(*nc));
        if (!nc)
            return ct_fail(err, CT_ENOMEM, "out-of-memory", "%s", c->during);
        c->cat = nc;
        c->cap = ncap;
    }
    idx = c->n++;
    snprintf(c->cat[idx], sizeof(c->cat[idx]), "%s", cat);
    if (ct_hmap_put(&c->map, key, 8, idx))
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "%s", c->during);
    *out = c->cat[idx];
    return CT_OK;
}

void ct_trace_span_start(ct_trace_span *s, uint32_t fh, uint32_t ft, uint32_t lh, uint32_t lt,
                         uint32_t hop)
{
    s->first_height = fh;
    s->first_time = ft;
    s->last_height = lh;
    s->last_time = lt;
    s->hops = hop;
}

void ct_trace_span_widen(ct_trace_span *s, uint32_t fh, uint32_t ft, uint32_t lh, uint32_t lt,
                         uint32_t hop)
{
    if (fh < s->first_height || (fh == s->first_height && ft < s->first_time)) {
        s->first_height = fh;
        s->first_time = ft;
    }
    if (lh > s->last_height || (lh == s->last_height && lt > s->last_time)) {
        s->last_height = lh;
        s->last_time = lt;
    }
    if (hop < s->hops)
        s->hops = hop;
}

bool ct_trace_is_stop(const ct_trace_options *o, const char *cat)
{
    for (size_t i = 0; cat[0] && i < o->n_stops; i++)
        if (strcmp(o->stops[i], cat) == 0)
            return true;
    return false;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void ct_trace_budget_start(ct_trace_budget *b, const ct_trace_options *o)
{
    b->max_nodes = o->max_nodes;
    b->deadline = o->timeout_s > 0 ? now_s() + o->timeout_s : 0;
    b->ticks = 0;
}

bool ct_trace_budget_tick(ct_trace_budget *b, char *reason, size_t rsize)
{
    if (b->deadline <= 0 || (++b->ticks & 63) != 0 || now_s() <= b->deadline)
        return false;
    snprintf(reason, rsize, "%s", "timeout reached");
    return true;
}

bool ct_trace_budget_spent(const ct_trace_budget *b, uint64_t processed, char *reason,
                           size_t rsize)
{
    bool nodes = b->max_nodes && processed >= b->max_nodes;
    if (!nodes && !(b->deadline > 0 && (processed & 63) == 0 && now_s() > b->deadline))
        return false;
    snprintf(reason, rsize, "%s", nodes ? "max-nodes reached" : "timeout reached");
    return true;
}

/* ---- targets ---- */
void ct_target_set_init(ct_target_set *s, ct_cluster_id_fn cluster_of, void *ctx)
{
    memset(s, 0, sizeof(*s));
    ct_hmap_init(&s->ids);
    ct_hmap_init(&s->clusters);
    ct_hmap_init(&s->seen);
    s->cluster_of = cluster_of;
    s->ctx = ctx;
}

void ct_target_set_release(ct_target_set *s)
{
    ct_hmap_release(&s->ids);
    ct_hmap_release(&s->clusters);
    ct_hmap_release(&s->seen);
}

int ct_target_set_add(ct_target_set *s, uint64_t addrid, uint64_t *cluster_id, ct_error *err)
{
    uint8_t key[8];
    int rc;
    *cluster_id = 0;
    if (s->cluster_of && (rc = s->cluster_of(s->ctx, addrid, cluster_id, err)))
        return rc;
    ct_put_be64(key, addrid);
    if (ct_hmap_put(&s->ids, key, 8, 1))
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "reading the targets");
    ct_put_be64(key, *cluster_id);
    if (*cluster_id && ct_hmap_put(&s->clusters, key, 8, 1))
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "reading the targets");
    s->n++;
    return CT_OK;
}

int ct_target_is(ct_target_set *s, uint64_t addrid, bool *yes, ct_error *err)
{
    uint8_t key[8];
    uint64_t v, cid;
    int rc;
    *yes = false;
    if (s->n == 0 || addrid == 0)
        return CT_OK;
    ct_put_be64(key, addrid);
    if (ct_hmap_get(&s->ids, key, 8, &v)) {
        *yes = true;
        return CT_OK;
    }
    if (!s->cluster_of || s->clusters.used == 0)
        return CT_OK;
    if (ct_hmap_get(&s->seen, key, 8, &v)) {
        *yes = v != 0;
        return CT_OK;
    }
    if ((rc = s->cluster_of(s->ctx, addrid, &cid, err)))
        return rc;
    uint8_t ck[8];
    ct_put_be64(ck, cid);
    *yes = cid != 0 && ct_hmap_get(&s->clusters, ck, 8, &v);
    if (ct_hmap_put(&s->seen, key, 8, *yes))
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "during the trace");
    return CT_OK;
}
