/* The evidence of an account-chain endpoint from the flows of a trace (acct_trace.h,
 * ct_acct_evidence): the flows into it, then the flows that brought taint into each ledger
 * those left, earlier in the chain, and so on back to the sources. Each flow is looked at
 * once per ledger prefix: n log n in the asset's flows. */
#include <stdlib.h>
#include <string.h>

#include "chaintrail/acct_trace.h"
#include "base/util.h"

/* A carried flow and its index, sorted by (to, position). */
typedef struct into_ref {
    const ct_acct_flow *f;
    size_t i;
} into_ref;

static int cmp_into(const void *a, const void *b)
{
    const ct_acct_flow *x = ((const into_ref *)a)->f, *y = ((const into_ref *)b)->f;
    int c = strcmp(x->to, y->to);
    return c ? c : ct_acct_pos_cmp(&x->at, &y->at);
}

int ct_acct_evidence(const ct_acct_trace_result *res, ct_model m, size_t a, size_t ep, size_t **out,
                     size_t *n, ct_error *err)
{
    *out = NULL;
    *n = 0;
    if ((unsigned)m >= CT_MODEL_COUNT || !res->model[m] || a >= res->n_assets)
        return ct_fail(err, CT_EINVAL, "bad-options", "model %d or asset %zu was not traced",
                       (int)m, a);
    const ct_acct_asset_result *r = &res->model[m][a];
    if (ep >= r->n_endpoints)
        return ct_fail(err, CT_EINVAL, "bad-options", "no endpoint %zu in model %s", ep,
                       ct_model_name(m));
    if (!r->flows_whole)
        return ct_fail(err, CT_EINVAL, "bad-options",
                       "the flows of model %s were not kept whole (trace with paths)",
                       ct_model_name(m));
    size_t nf = r->n_flows, nc = 0;
    into_ref *into = malloc((nf ? nf : 1) * sizeof(*into)); /* carried flows, by (to, at) */
    size_t *done = calloc(nf ? nf : 1, sizeof(size_t));     /* per ledger's first entry: added */
    size_t *queue = malloc((nf ? nf : 1) * sizeof(size_t));
    unsigned char *seen = calloc(nf ? nf : 1, 1);
    if (!into || !done || !queue || !seen) {
        free(into), free(done), free(queue), free(seen);
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "during the evidence of an endpoint");
    }
    for (size_t i = 0; i < nf; i++)
        if (r->flows[i].endpoint == CT_TRACE_NONE && r->flows[i].to[0])
            into[nc++] = (into_ref){&r->flows[i], i};
    qsort(into, nc, sizeof(*into), cmp_into);
    size_t qn = 0;
    for (size_t i = 0; i < nf; i++)
        if (r->flows[i].endpoint == ep) {
            seen[i] = 1;
            queue[qn++] = i;
        }
    for (size_t q = 0; q < qn; q++) {
        const ct_acct_flow *w = &r->flows[queue[q]];
        /* the ledger the taint left: the sender; a remainder stayed in its own */
        const char *ledger = w->kind == 0 ? w->to : w->from;
        if (w->hop == 0 || !ledger[0])
            continue;           /* a source transfer, or a reward: nothing before it */
        size_t lo = 0, hi = nc; /* the first entry of the ledger */
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (strcmp(into[mid].f->to, ledger) < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        size_t k = lo + done[lo];
        for (; k < nc && strcmp(into[k].f->to, ledger) == 0 &&
               ct_acct_pos_cmp(&into[k].f->at, &w->at) < 0;
             k++)
            if (!seen[into[k].i]) {
                seen[into[k].i] = 1;
                queue[qn++] = into[k].i;
            }
        if (k - lo > done[lo])
            done[lo] = k - lo;
    }
    size_t c = 0;
    for (size_t i = 0; i < nf; i++)
        if (seen[i])
            queue[c++] = i;
    free(into), free(done), free(seen);
    *out = queue;
    *n = c;
    return CT_OK;
}
