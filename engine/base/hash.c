/* SHA-256, SHA-256d and HASH160 for the chain adapters, on OpenSSL's low-level digest
 * interface. OpenSSL 3 marks that interface deprecated in favour of EVP, but EVP allocates a
 * context per digest and its per-call overhead dominates on the small messages we hash
 * (transactions, 64-byte merkle nodes); the low-level calls still use SHA-NI. The
 * deprecation is silenced here and only here. */
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <openssl/ripemd.h>
#include <openssl/sha.h>

#include <string.h>

#include "base/hash.h"
#include "base/util.h"

_Static_assert(sizeof(SHA256_CTX) <= sizeof(ct_sha256_ctx), "ct_sha256_ctx too small");

/* The SHA-256 state words as the big-endian digest (whole-word stores: byte stores here
 * stall the 16-byte loads of the next compression that reads the digest). */
static void digest_out(uint8_t out[32], const SHA256_CTX *s)
{
    for (int i = 0; i < 8; i++) {
        uint32_t w = __builtin_bswap32(s->h[i]);
        memcpy(out + 4 * i, &w, 4);
    }
}

/* SHA-256 of a 32-byte message (the second half of every SHA-256d): message and padding
 * fill exactly one block, so it is one compression and no SHA256_Final. */
static void sha256_32(uint8_t out[32], const uint8_t in[32])
{
    static const uint8_t pad32[64] = {[32] = 0x80, [62] = 0x01}; /* length: 256 bits */
    _Alignas(16) uint8_t block[64];
    SHA256_CTX s;
    memcpy(block, pad32, 64);
    memcpy(block, in, 32);
    SHA256_Init(&s);
    SHA256_Transform(&s, block);
    digest_out(out, &s);
}

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

void ct_sha256_row(ct_sha256_ctx *c, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    uint8_t len[4];
    ct_put_be32(len, (uint32_t)kl);
    ct_sha256_update(c, len, 4);
    ct_sha256_update(c, k, kl);
    ct_put_be32(len, (uint32_t)vl);
    ct_sha256_update(c, len, 4);
    ct_sha256_update(c, v, vl);
}

void ct_sha256_row_as(ct_sha256_ctx *c, uint8_t prefix, const uint8_t *k, size_t kl,
                      const uint8_t *v, size_t vl)
{
    uint8_t len[4];
    ct_put_be32(len, (uint32_t)kl);
    ct_sha256_update(c, len, 4);
    if (kl) {
        ct_sha256_update(c, &prefix, 1);
        ct_sha256_update(c, k + 1, kl - 1);
    }
    ct_put_be32(len, (uint32_t)vl);
    ct_sha256_update(c, len, 4);
    ct_sha256_update(c, v, vl);
}

void ct_sha256d_final(ct_sha256_ctx *c, uint8_t out[32])
{
    uint8_t first[32];
    SHA256_Final(first, (SHA256_CTX *)(void *)c->opaque);
    sha256_32(out, first);
}

void ct_sha256(uint8_t out[32], const void *p, size_t n)
{
    ct_sha256_ctx c;
    ct_sha256_init(&c);
    ct_sha256_update(&c, p, n);
    ct_sha256_final(&c, out);
}

void ct_hmac_sha256_init(ct_hmac_sha256_ctx *c, const void *key, size_t key_len)
{
    uint8_t pad[64];
    memset(c->key, 0, sizeof(c->key));
    if (key_len > sizeof(c->key))
        ct_sha256(c->key, key, key_len);
    else if (key_len)
        memcpy(c->key, key, key_len);
    for (int i = 0; i < 64; i++)
        pad[i] = c->key[i] ^ 0x36;
    ct_sha256_init(&c->inner);
    ct_sha256_update(&c->inner, pad, sizeof(pad));
}

void ct_hmac_sha256_update(ct_hmac_sha256_ctx *c, const void *p, size_t n)
{
    ct_sha256_update(&c->inner, p, n);
}

void ct_hmac_sha256_final(ct_hmac_sha256_ctx *c, uint8_t out[32])
{
    uint8_t pad[64], inner[32];
    ct_sha256_final(&c->inner, inner);
    for (int i = 0; i < 64; i++)
        pad[i] = c->key[i] ^ 0x5c;
    ct_sha256_ctx o;
    ct_sha256_init(&o);
    ct_sha256_update(&o, pad, sizeof(pad));
    ct_sha256_update(&o, inner, sizeof(inner));
    ct_sha256_final(&o, out);
}

void ct_hmac_sha256(uint8_t out[32], const void *key, size_t key_len, const void *msg,
                    size_t msg_len)
{
    ct_hmac_sha256_ctx c;
    ct_hmac_sha256_init(&c, key, key_len);
    ct_hmac_sha256_update(&c, msg, msg_len);
    ct_hmac_sha256_final(&c, out);
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
    /* A 64-byte message is one block of data and one block of fixed padding. */
    static const uint8_t pad64[64] = {[0] = 0x80, [62] = 0x02}; /* length: 512 bits */
    SHA256_CTX s;
    _Alignas(16) uint8_t block[64], first[32];
    memcpy(block, a, 32);
    memcpy(block + 32, b, 32);
    SHA256_Init(&s);
    SHA256_Transform(&s, block);
    SHA256_Transform(&s, pad64);
    digest_out(first, &s);
    sha256_32(out, first);
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
