/* The evidence of an endpoint from the flows of a trace (trace.h, ct_trace_evidence): the
 * flows into it, then, through the transaction (`by`) that put each one's taint there, the
 * flows that transaction carried on, back to the sources. Linear in the model's flows. */
#include <stdlib.h>
#include <string.h>

#include "chaintrail/trace.h"
#include "base/util.h"

int ct_trace_evidence(const ct_trace_result *res, ct_model m, size_t ep, size_t **out, size_t *n,
                      ct_error *err)
{
    *out = NULL;
    *n = 0;
    if ((unsigned)m >= CT_MODEL_COUNT || !res->model[m].enabled)
        return ct_fail(err, CT_EINVAL, "bad-options", "model %d was not traced", (int)m);
    const ct_trace_model_result *r = &res->model[m];
    if (ep >= r->n_endpoints)
        return ct_fail(err, CT_EINVAL, "bad-options", "no endpoint %zu in model %s", ep,
                       ct_model_name(m));
    if (!r->flows_whole)
        return ct_fail(err, CT_EINVAL, "bad-options",
                       "the flows of model %s were not kept whole (trace with paths)",
                       ct_model_name(m));
    size_t nt = res->n_txs, nf = r->n_flows;
    /* the flows carried on by each transaction, grouped by it */
    size_t *start = calloc(nt + 2, sizeof(*start)),
           *by_next = malloc((nf ? nf : 1) * sizeof(size_t));
    size_t *queue = malloc((nf ? nf : 1) * sizeof(size_t));
    unsigned char *seen = calloc(nf ? nf : 1, 1);
    if (!start || !by_next || !queue || !seen) {
        free(start), free(by_next), free(queue), free(seen);
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "during the evidence of an endpoint");
    }
    for (size_t i = 0; i < nf; i++)
        if (r->flows[i].next < nt)
            start[r->flows[i].next + 2]++;
    for (size_t k = 2; k < nt + 2; k++)
        start[k] += start[k - 1];
    for (size_t i = 0; i < nf; i++)
        if (r->flows[i].next < nt)
            by_next[start[r->flows[i].next + 1]++] = i;
    /* start[k] .. start[k + 1] now hold the flows carried on by transaction k */
    size_t qn = 0;
    for (size_t i = 0; i < nf; i++)
        if (r->flows[i].endpoint == ep) {
            seen[i] = 1;
            queue[qn++] = i;
        }
    for (size_t q = 0; q < qn; q++) {
        size_t by = r->flows[queue[q]].by;
        if (by >= nt)
            continue;
        for (size_t k = start[by]; k < start[by + 1]; k++)
            if (!seen[by_next[k]]) {
                seen[by_next[k]] = 1;
                queue[qn++] = by_next[k];
            }
    }
    size_t c = 0;
    for (size_t i = 0; i < nf; i++)
        if (seen[i])
            queue[c++] = i;
    free(start), free(by_next), free(seen);
    *out = queue;
    *n = c;
    return CT_OK;
}
