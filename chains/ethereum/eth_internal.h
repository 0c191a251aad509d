/* Internals shared by the files of the Ethereum adapter (and its tests). */
#ifndef CT_ETH_INTERNAL_H
#define CT_ETH_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "chaintrail/ethereum.h"

/* Decodes a transaction from data[0..len), reporting offsets as base_off + position.
 * typed_only: the bytes are the content of a block-list string, which must be an envelope
 * (a legacy list there is "type not supported", as in go-ethereum). */
CT_WARN_UNUSED int ct_eth_tx_decode_at(ct_eth_tx *tx, const uint8_t *data, size_t len,
                                       uint64_t base_off, bool typed_only, ct_error *err);

/* The libsecp256k1 context of the adapter (created once, never freed), with an
 * illegal-argument callback that counts instead of aborting. Returned as void * so that
 * no secp256k1 type leaks; tests cast it. */
void *ct_eth_secp_context(void);
/* How many times libsecp256k1 reported an illegal argument through that callback. */
unsigned long ct_eth_secp_illegal_count(void);

/* Recovers the address that signed msg32 with r, s (big-endian 32 bytes each) and recovery
 * id recid. recid outside 0..3 is rejected here, before libsecp256k1 sees it. Returns
 * CT_OK or CT_ECORRUPT "invalid signature". */
CT_WARN_UNUSED int ct_eth_ecrecover(uint8_t addr[20], const uint8_t msg32[32], const uint8_t r[32],
                                    const uint8_t s[32], int recid, ct_error *err);

#endif
