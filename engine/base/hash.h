/* Hashing for the chain adapters: SHA-256, SHA-256d, HASH160, on OpenSSL's low-level
 * interface (a stack context, no allocation per call; OpenSSL 3's one-shot SHA256() costs
 * about 5x more per small message, see docs/design.md). */
#ifndef CT_HASH_H
#define CT_HASH_H

#include <stddef.h>
#include <stdint.h>

/* An incremental SHA-256 context on the stack; the size is checked in hash.c. */
typedef struct ct_sha256_ctx {
    _Alignas(16) uint8_t opaque[128];
} ct_sha256_ctx;

void ct_sha256_init(ct_sha256_ctx *c);
void ct_sha256_update(ct_sha256_ctx *c, const void *p, size_t n);
void ct_sha256_final(ct_sha256_ctx *c, uint8_t out[32]);
/* Hashes one stored row as be32 key length, key, be32 value length, value: the row framing
 * of every digest over the store (labels, prices, tests' whole-store digests). */
void ct_sha256_row(ct_sha256_ctx *c, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl);
/* The same with the key's first byte hashed as `prefix`: a digest defined over a table's
 * documented letter stays the same when the table is stored under another prefix. */
void ct_sha256_row_as(ct_sha256_ctx *c, uint8_t prefix, const uint8_t *k, size_t kl,
                      const uint8_t *v, size_t vl);
/* Finishes a SHA-256d: out = SHA256(SHA256(everything fed)). */
void ct_sha256d_final(ct_sha256_ctx *c, uint8_t out[32]);

void ct_sha256(uint8_t out[32], const void *p, size_t n);
void ct_sha256d(uint8_t out[32], const void *p, size_t n);
/* SHA-256d of the 64-byte concatenation a||b (merkle nodes). */
void ct_sha256d_pair(uint8_t out[32], const uint8_t a[32], const uint8_t b[32]);
/* HMAC-SHA256 (RFC 2104 over SHA-256; RFC 4231's test vectors in tests/test_deliver.c) of
 * msg under key; a key longer than the 64-byte block is hashed first. The incremental form
 * signs a message given in parts. */
typedef struct ct_hmac_sha256_ctx {
    ct_sha256_ctx inner;
    uint8_t key[64]; /* the block-sized key */
} ct_hmac_sha256_ctx;
void ct_hmac_sha256_init(ct_hmac_sha256_ctx *c, const void *key, size_t key_len);
void ct_hmac_sha256_update(ct_hmac_sha256_ctx *c, const void *p, size_t n);
void ct_hmac_sha256_final(ct_hmac_sha256_ctx *c, uint8_t out[32]);
void ct_hmac_sha256(uint8_t out[32], const void *key, size_t key_len, const void *msg,
                    size_t msg_len);
/* RIPEMD-160(SHA-256(p)). */
void ct_hash160(uint8_t out[20], const void *p, size_t n);

#endif
