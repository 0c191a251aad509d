/* Direct exposure in one transaction (docs/scan.md "Direct exposure"): how much of what the
 * marked inputs put in reaches the marked outputs, under each taint model's per-transaction
 * rule of docs/taint-models.md, the same arithmetic as the Bitcoin tracer's. */
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "chaintrail/scan.h"
#include "taint/split.h"

/* Satoshi of [lo, hi) inside the union of the sorted, disjoint intervals iv[0..n). */
static uint64_t overlap(const uint64_t (*iv)[2], size_t n, uint64_t lo, uint64_t hi)
{
    uint64_t sum = 0;
    for (size_t q = 0; q < n; q++) {
        uint64_t a = iv[q][0] > lo ? iv[q][0] : lo;
        uint64_t b = iv[q][1] < hi ? iv[q][1] : hi;
        if (a < b)
            sum += b - a;
    }
    return sum;
}

int ct_scan_direct_amounts(uint64_t amount[CT_MODEL_COUNT], const uint64_t *in_val,
                           const bool *in_src, size_t n_in, const uint64_t *out_val,
                           const bool *out_dst, size_t n_out, ct_error *err)
{
    memset(amount, 0, CT_MODEL_COUNT * sizeof(*amount));
    uint64_t V = 0, sum_out = 0, T = 0;
    for (size_t k = 0; k < n_in; k++) {
        if (__builtin_add_overflow(V, in_val[k], &V))
            return ct_fail(err, CT_EINVAL, "bad-values", "inputs sum past 2^64");
        if (in_src[k])
            T += in_val[k];
    }
    for (size_t j = 0; j < n_out; j++)
        if (__builtin_add_overflow(sum_out, out_val[j], &sum_out))
            return ct_fail(err, CT_EINVAL, "bad-values", "outputs sum past 2^64");
    if (T == 0)
        return CT_OK;
    /* Slots: the outputs, then the fee; unknown input value is clean and the line is extended
     * with clean value up to the outputs' sum (docs/taint-models.md). */
    uint64_t fee = V > sum_out ? V - sum_out : 0, line = V > sum_out ? V : sum_out;
    size_t n = n_out + 1;
    uint64_t *val = malloc(n * sizeof(*val));
    uint64_t *out = malloc(n * sizeof(*out));
    unsigned __int128 *rem = malloc(n * sizeof(*rem));
    uint32_t *order = malloc(n * sizeof(*order));
    uint32_t *tmp = malloc(n * sizeof(*tmp));
    uint64_t(*iv)[2] = malloc((n_in ? n_in : 1) * sizeof(*iv));
    int rc = CT_OK;
    if (!val || !out || !rem || !order || !tmp || !iv) {
        rc = ct_fail(err, CT_ENOMEM, "out-of-memory", "direct exposure of %zu outputs", n_out);
        goto done;
    }
    memcpy(val, out_val, n_out * sizeof(*val));
    val[n_out] = fee;

    for (size_t j = 0; j < n_out; j++)
        if (out_dst[j])
            amount[CT_MODEL_POISON] += out_val[j];

    ct_taint_haircut(out, rem, order, tmp, T, val, n, line);
    for (size_t j = 0; j < n_out; j++)
        if (out_dst[j])
            amount[CT_MODEL_HAIRCUT] += out[j];

    ct_taint_tiho(out, order, tmp, T, val, n_out);
    for (size_t j = 0; j < n_out; j++)
        if (out_dst[j])
            amount[CT_MODEL_TIHO] += out[j];

    /* FIFO and LIFO: the marked inputs' spans on the input line (mirrored for LIFO), cut by
     * the outputs' spans in output order. */
    for (int lifo = 0; lifo < 2; lifo++) {
        size_t m = 0;
        uint64_t pos = 0;
        for (size_t k = 0; k < n_in; k++) {
            if (in_src[k] && in_val[k]) {
                iv[m][0] = lifo ? line - (pos + in_val[k]) : pos;
                iv[m][1] = lifo ? line - pos : pos + in_val[k];
                m++;
            }
            pos += in_val[k];
        }
        uint64_t P = 0, got = 0;
        for (size_t j = 0; j < n_out; j++) {
            if (out_dst[j])
                got += overlap((const uint64_t(*)[2])iv, m, P, P + out_val[j]);
            P += out_val[j];
        }
        amount[lifo ? CT_MODEL_LIFO : CT_MODEL_FIFO] = got;
    }
done:
    free(val);
    free(out);
    free(rem);
    free(order);
    free(tmp);
    free(iv);
    return rc;
}
