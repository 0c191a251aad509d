/* chaintrail u256: unsigned 256-bit integers for Ethereum amounts (wei, token units).
 *
 * Ethereum values are 256-bit end to end (architecture principle 4): never truncated to 64
 * bits, never a double. Arithmetic reports overflow instead of wrapping silently; parsers
 * are strict (the canonical forms of JSON-RPC QUANTITY and of decimal strings) and name
 * what was wrong in err->reason.
 *
 * Argument order, as everywhere in chaintrail: outputs, then inputs, then a caller-owned
 * ct_error (may be NULL).
 */
#ifndef CHAINTRAIL_U256_H
#define CHAINTRAIL_U256_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chaintrail/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* w[0] is the least significant 64 bits. */
typedef struct ct_u256 {
    uint64_t w[4];
} ct_u256;

/* Largest decimal text: 78 digits + NUL; largest quantity text: "0x" + 64 digits + NUL. */
#define CT_U256_DEC_MAX 79
#define CT_U256_HEX_MAX 67

ct_u256 ct_u256_from_u64(uint64_t v);
bool ct_u256_is_zero(const ct_u256 *a);
/* -1, 0 or 1 as a <, =, > b. */
int ct_u256_cmp(const ct_u256 *a, const ct_u256 *b);
/* Number of significant bits (0 for zero, 256 for 2^255 and above). */
unsigned ct_u256_bits(const ct_u256 *a);
/* True when a fits 64 bits; then *out (may be NULL) receives it. */
bool ct_u256_to_u64(uint64_t *out, const ct_u256 *a);

/* r = a + b, r = a - b, r = a * b. Return true on overflow / borrow (r is then the value
 * modulo 2^256). r may alias a or b. */
CT_WARN_UNUSED bool ct_u256_add(ct_u256 *r, const ct_u256 *a, const ct_u256 *b);
CT_WARN_UNUSED bool ct_u256_sub(ct_u256 *r, const ct_u256 *a, const ct_u256 *b);
CT_WARN_UNUSED bool ct_u256_mul(ct_u256 *r, const ct_u256 *a, const ct_u256 *b);

/* q = floor(a * b / c) with the product computed exactly in 512 bits, and (when rem is not
 * NULL) *rem = (a * b) mod c. Returns CT_OK; CT_EINVAL with reason "division-by-zero" when
 * c is zero, or "overflow" when the quotient exceeds 256 bits (never when b <= c).
 * q and rem may alias the inputs. */
CT_WARN_UNUSED int ct_u256_muldiv(ct_u256 *q, ct_u256 *rem, const ct_u256 *a, const ct_u256 *b,
                                  const ct_u256 *c, ct_error *err);

/* Big-endian bytes: from_be takes 0 to 32 bytes (fewer = leading zeros; more is
 * CT_EINVAL "too-wide"); to_be writes exactly 32. */
CT_WARN_UNUSED int ct_u256_from_be(ct_u256 *r, const uint8_t *be, size_t len, ct_error *err);
void ct_u256_to_be(uint8_t out[32], const ct_u256 *a);

/* Decimal text without sign, spaces or leading zeros ("0" for zero). Writes a NUL and
 * returns the length; buf needs CT_U256_DEC_MAX bytes (a shorter buf gets "" and 0). */
size_t ct_u256_to_dec(char *buf, size_t size, const ct_u256 *a);
/* Parses len bytes of decimal digits. Reasons: "empty", "not-a-number" (any other byte),
 * "leading-zero" ("007"; "0" itself is fine), "overflow" (above 2^256-1). */
CT_WARN_UNUSED int ct_u256_parse_dec(ct_u256 *r, const char *s, size_t len, ct_error *err);

/* JSON-RPC QUANTITY: "0x" + lowercase or uppercase hex digits without leading zeros, "0x0"
 * for zero. Reasons (bad-inputs.md E11): "missing-0x" ("ff"), "empty-quantity" ("0x"),
 * "leading-zero" ("0x0400"), "not-hex", "overflow" (more than 256 bits). */
CT_WARN_UNUSED int ct_u256_parse_quantity(ct_u256 *r, const char *s, size_t len, ct_error *err);
/* Writes the canonical QUANTITY ("0x0", "0x1bc16d674ec80000") and a NUL; returns the
 * length; buf needs CT_U256_HEX_MAX bytes. */
size_t ct_u256_to_quantity(char *buf, size_t size, const ct_u256 *a);

#ifdef __cplusplus
}
#endif
#endif
