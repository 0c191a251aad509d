/* The change heuristics' verdicts on one transaction, for `chaintrail show tx`: the rules
 * of engine/cluster/change.c fed from the graph (the spent outputs' script types, the
 * parent of input 0, the spenders of the outputs). Addresses are told apart by their text:
 * the heuristics need identity, not the ids. They only judge; clustering never uses them. */
#include <stdlib.h>
#include <string.h>

#include "chaintrail/graph.h"
#include "base/hmap.h"
#include "base/util.h"
#include "cluster/change.h"
#include "cluster/detect.h"

/* A number per distinct address text of the transaction (0 for none); *next is the next
 * number to give. */
static int addr_number(ct_hmap *ids, uint64_t *next, const char *address, uint64_t *out,
                       ct_error *err)
{
    size_t len = strlen(address);
    *out = 0;
    if (len == 0)
        return CT_OK;
    if (ct_hmap_get(ids, address, len, out))
        return CT_OK;
    *out = (*next)++;
    int rc = ct_hmap_put(ids, address, len, *out);
    if (rc == CT_EINVAL) /* longer than a key can be: it counts as an address of its own */
        return CT_OK;
    return rc ? ct_fail(err, rc, "out-of-memory", "judging a transaction") : CT_OK;
}

int ct_graph_tx_change(ct_db *db, const ct_graph_tx *tx, ct_graph_tx_change_verdicts *out,
                       ct_error *err)
{
    memset(out, 0, sizeof(*out));
    for (unsigned h = 0; h < CT_GRAPH_CHANGE_N; h++) {
        out->change[h].heuristic = ct_change_name((ct_change_heur)h);
        out->change[h].output = -1;
    }
    if (tx->coinbase || !tx->fee_known || tx->n_in == 0)
        return CT_OK;
    ct_cj_in *in = calloc(tx->n_in, sizeof(*in));
    ct_cj_out *outs = calloc(tx->n_out ? tx->n_out : 1, sizeof(*outs));
    ct_change_spend *spend = calloc(tx->n_out ? tx->n_out : 1, sizeof(*spend));
    ct_hmap ids;
    ct_hmap_init(&ids);
    uint64_t next_id = 1;
    ct_change_ctx ctx = CT_CHANGE_CTX_INIT;
    int rc = CT_OK;
    if (!in || !outs || !spend) {
        rc = ct_fail(err, CT_ENOMEM, "out-of-memory", "judging a transaction of %u inputs",
                     tx->n_in);
        goto done;
    }
    for (uint32_t i = 0; i < tx->n_in && !rc; i++) {
        ct_graph_tx prev;
        const ct_graph_input *gi = &tx->in[i];
        if ((rc = ct_graph_tx_get(db, &prev, gi->prev_txid, err)))
            break;
        if (gi->prev_vout < prev.n_out)
            in[i].type = (uint8_t)prev.out[gi->prev_vout].type;
        if (i == 0) {
            ctx.parent_known = 1;
            ctx.parent_n_in = prev.n_in;
            ctx.parent_n_out = prev.n_out;
        }
        ct_graph_tx_release(&prev);
        in[i].value = gi->value;
        rc = addr_number(&ids, &next_id, gi->address, &in[i].addrid, err);
    }
    for (uint32_t j = 0; j < tx->n_out && !rc; j++) {
        const ct_graph_output *go = &tx->out[j];
        outs[j].value = go->value;
        outs[j].type = (uint8_t)go->type;
        if ((rc = addr_number(&ids, &next_id, go->address, &outs[j].addrid, err)))
            break;
        if (go->spent && !go->overwritten) {
            ct_graph_tx next;
            if ((rc = ct_graph_tx_get(db, &next, go->spent_by_txid, err)))
                break;
            spend[j] = (ct_change_spend){1, 0, next.n_in, next.n_out};
            ct_graph_tx_release(&next);
        }
    }
    if (rc)
        goto done;
    ctx.spend = spend;
    ct_cj_tx cj = {0, 0, tx->height, tx->n_in, tx->n_out, in, outs};
    out->judged = true;
    ct_change_verdict cv[CT_CHG_N];
    ct_change_judge_all(&cj, &ctx, cv);
    for (unsigned h = 0; h < CT_GRAPH_CHANGE_N; h++) {
        ct_graph_change_verdict *g = &out->change[h];
        if (h == CT_CHG_LOCKTIME)
            continue; /* locktimes are not stored */
        g->judged = true;
        g->output = cv[h].output;
        g->candidates = (uint32_t)cv[h].candidates;
        g->confidence = cv[h].confidence;
    }
done:
    ct_hmap_release(&ids);
    free(in);
    free(outs);
    free(spend);
    return rc;
}
