/* Internal: the two text codecs under the Bitcoin address API of address.c: Base58Check and
 * bech32/bech32m (BIP173, BIP350) with any human-readable part. The tests reach them
 * through this header to check the BIP vectors that are not addresses. Not public API. */
#ifndef CT_BTC_ADDRESS_H
#define CT_BTC_ADDRESS_H

#include <stddef.h>
#include <stdint.h>

#include "chaintrail/error.h"

#define CT_BECH32_MAX      90  /* longest bech32 string (BIP173) */
#define CT_BASE58_MAX      100 /* longest Base58 string that is decoded at all */
#define CT_BASE58_MAX_DATA 64  /* longest Base58Check payload that is encoded */

typedef enum ct_bech32_enc {
    CT_BECH32 = 1,  /* BIP173 checksum constant 1: witness version 0 */
    CT_BECH32M = 2, /* BIP350 checksum constant 0x2bc830a3: witness versions 1..16 */
} ct_bech32_enc;

/* Decodes a bech32 or bech32m string of any human-readable part (HRP). On success writes the
 * lowercase HRP, NUL-terminated, to hrp (CT_BECH32_MAX bytes), the 5-bit values of the data
 * part without the 6 checksum values to data (CT_BECH32_MAX entries), their number to
 * *data_len, and which checksum matched to *enc.
 * Returns CT_OK or CT_EINVAL with err->reason "bad-length" (over 90 characters, data part
 * shorter than the checksum), "bad-char" (a character outside 33..126 or outside the bech32
 * alphabet), "mixed-case", "bad-prefix" (no separator '1' or an empty HRP), "bad-checksum". */
CT_WARN_UNUSED int ct_bech32_decode(char *hrp, uint8_t *data, size_t *data_len, ct_bech32_enc *enc,
                                    const char *str, ct_error *err);

/* Writes hrp, '1', the data values and the checksum of `enc` (lowercase, NUL-terminated) to
 * buf. hrp must be 1..83 characters in 33..126 without uppercase; values must be < 32.
 * Returns CT_OK or CT_EINVAL (bad HRP, value or encoding, result over 90 characters or
 * larger than size). */
CT_WARN_UNUSED int ct_bech32_encode(char *buf, size_t size, const char *hrp, const uint8_t *data,
                                    size_t data_len, ct_bech32_enc enc);

/* Writes the Base58Check string of payload[0..len) (len <= CT_BASE58_MAX_DATA) and its
 * 4-byte SHA-256d checksum to buf. Returns CT_OK or CT_EINVAL (payload too long, buf too
 * small). */
CT_WARN_UNUSED int ct_base58check_encode(char *buf, size_t size, const uint8_t *payload,
                                         size_t len);

/* Decodes a Base58Check string of at most CT_BASE58_MAX characters: writes the payload
 * (checksum removed) to payload[0..cap) and its length to *len.
 * Returns CT_OK or CT_EINVAL with err->reason "bad-length" (empty, too long, under 4 bytes,
 * payload over cap), "bad-char" (not in the Base58 alphabet: 0 O I l and the rest),
 * "bad-checksum". */
CT_WARN_UNUSED int ct_base58check_decode(uint8_t *payload, size_t *len, size_t cap, const char *str,
                                         ct_error *err);

#endif
