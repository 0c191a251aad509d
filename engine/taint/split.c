/* Haircut and TIHO for one transaction (split.h): the Bitcoin tracer's and scan's. */
#include <string.h>

#include "taint/split.h"

/* Stable merge sort of slot indexes by a key, without global state (qsort has no context
 * argument in C11): descending key, ties kept in index order. */
static void sort_desc(uint32_t *idx, uint32_t *tmp, size_t n, const unsigned __int128 *key128,
                      const uint64_t *key64)
{
    for (size_t w = 1; w < n; w *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * w) {
            size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi) {
                unsigned __int128 x = key128 ? key128[idx[i]] : key64[idx[i]];
                unsigned __int128 y = key128 ? key128[idx[j]] : key64[idx[j]];
                tmp[k++] = y > x ? idx[j++] : idx[i++];
            }
            while (i < mid)
                tmp[k++] = idx[i++];
            while (j < hi)
                tmp[k++] = idx[j++];
        }
        memcpy(idx, tmp, n * sizeof(*idx));
    }
}

/* Haircut: T over the slots in proportion to value, remainder one satoshi at a time to the
 * largest T*v mod V, ties to the lower slot (the fee slot is last). */
void ct_taint_haircut(uint64_t *out, unsigned __int128 *rem, uint32_t *order, uint32_t *tmp,
                      uint64_t T, const uint64_t *val, size_t n, uint64_t V)
{
    unsigned __int128 given = 0;
    for (size_t j = 0; j < n; j++) {
        unsigned __int128 p = (unsigned __int128)T * val[j];
        out[j] = (uint64_t)(p / V);
        rem[j] = p % V;
        given += out[j];
        order[j] = (uint32_t)j;
    }
    uint64_t r = T - (uint64_t)given;
    if (r == 0)
        return;
    sort_desc(order, tmp, n, rem, NULL);
    for (size_t i = 0; i < r; i++)
        out[order[i]]++;
}

/* TIHO: T fills the outputs in descending order of value (ties to the lower index); what is
 * left goes to the fee slot (index n). */
void ct_taint_tiho(uint64_t *out, uint32_t *order, uint32_t *tmp, uint64_t T, const uint64_t *val,
                   size_t n)
{
    for (size_t j = 0; j < n; j++)
        order[j] = (uint32_t)j;
    sort_desc(order, tmp, n, NULL, val);
    for (size_t i = 0; i < n; i++) {
        uint32_t j = order[i];
        uint64_t take = T < val[j] ? T : val[j];
        out[j] = take;
        T -= take;
    }
    out[n] = T;
}
