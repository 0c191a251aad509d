/* The arithmetic of one transaction's split that does not depend on how a tracer keeps its
 * state (docs/taint-models.md "Per transaction"): haircut and TIHO over value slots. Used by
 * the Bitcoin tracer and by scan's direct exposure, so that both give the same satoshi. */
#ifndef CT_TAINT_SPLIT_H
#define CT_TAINT_SPLIT_H

#include <stddef.h>
#include <stdint.h>

/* Haircut: T over the n slots of values val (summing to V > 0, T <= V) in proportion to
 * value, base floor(T*v/V) with 128-bit products; the remainder goes one satoshi at a time
 * to the slots with the largest T*v mod V, ties to the lower slot. out, rem, order and tmp
 * hold n entries each (rem, order, tmp are scratch). */
void ct_taint_haircut(uint64_t *out, unsigned __int128 *rem, uint32_t *order, uint32_t *tmp,
                      uint64_t T, const uint64_t *val, size_t n, uint64_t V);

/* TIHO: T fills the n slots in descending order of value (ties to the lower index), each up
 * to its value; what is left goes to out[n] (the fee). out holds n + 1 entries; order and
 * tmp n (scratch). */
void ct_taint_tiho(uint64_t *out, uint32_t *order, uint32_t *tmp, uint64_t T, const uint64_t *val,
                   size_t n);

#endif
