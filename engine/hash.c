/* SHA-256, SHA-256d and HASH160 for the chain adapters, on OpenSSL's low-level digest
 * interface. OpenSSL 3 marks that interface deprecated in favour of EVP, but EVP allocates a
 * context per digest and its per-call overhead dominates on the small messages we hash
 * (transactions, 64-byte merkle nodes); the low-level calls still use SHA-NI. The
 * deprecation is silenced here and only here. */
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <openssl/ripemd.h>
#include <openssl/sha.h>

#include "hash.h"

_Static_assert(sizeof(SHA256_CTX) <= sizeof(ct_sha256_ctx), "ct_sha256_ctx too small");

void ct_sha256_init(ct_sha256_ctx *c)
{
    SHA256_Init((SHA256_CTX *)(void *)c->opaque);
}

void ct_sha256_update(ct_sha256_ctx *c, const void *p, size_t n)
{
    SHA256_Update((SHA256_CTX *)(void *)c->opaque, p, n);
}

void ct_sha256_final(ct_sha256_ctx *c, uint8_t out[32])
{
    SHA256_Final(out, (SHA256_CTX *)(void *)c->opaque);
}

void ct_sha256d_final(ct_sha256_ctx *c, uint8_t out[32])
{
    uint8_t first[32];
    SHA256_CTX *s = (SHA256_CTX *)(void *)c->opaque;
    SHA256_Final(first, s);
    SHA256_Init(s);
    SHA256_Update(s, first, 32);
    SHA256_Final(out, s);
}

void ct_sha256(uint8_t out[32], const void *p, size_t n)
{
    ct_sha256_ctx c;
    ct_sha256_init(&c);
    ct_sha256_update(&c, p, n);
    ct_sha256_final(&c, out);
}

void ct_sha256d(uint8_t out[32], const void *p, size_t n)
{
    ct_sha256_ctx c;
    ct_sha256_init(&c);
    ct_sha256_update(&c, p, n);
    ct_sha256d_final(&c, out);
}

void ct_sha256d_pair(uint8_t out[32], const uint8_t a[32], const uint8_t b[32])
{
    ct_sha256_ctx c;
    ct_sha256_init(&c);
    ct_sha256_update(&c, a, 32);
    ct_sha256_update(&c, b, 32);
    ct_sha256d_final(&c, out);
}

void ct_hash160(uint8_t out[20], const void *p, size_t n)
{
    uint8_t h[32];
    RIPEMD160_CTX r;
    ct_sha256(h, p, n);
    RIPEMD160_Init(&r);
    RIPEMD160_Update(&r, h, 32);
    RIPEMD160_Final(out, &r);
}
