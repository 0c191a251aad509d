/* Keccak-256 as Ethereum uses it: the Keccak-f[1600] permutation in a sponge of rate 136
 * bytes with the original padding (0x01 ... 0x80), not the 0x06 of FIPS 202 SHA3-256.
 *
 * Debian 12's OpenSSL 3.0 has SHA3-256 but no KECCAK-256 digest (it arrived in 3.2), so
 * chaintrail carries this implementation (docs/ethereum.md). It is a plain 64-bit lane
 * version written from the Keccak reference specification, checked against the standard
 * vectors and mainnet block and transaction hashes (tests/test_eth_keccak.c).
 */
#include <string.h>

#include "chaintrail/ethereum.h"

#define KECCAK_RATE 136u

static const uint64_t round_constants[24] = {
    0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808aULL, 0x8000000080008000ULL,
    0x000000000000808bULL, 0x0000000080000001ULL, 0x8000000080008081ULL, 0x8000000000008009ULL,
    0x000000000000008aULL, 0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000aULL,
    0x000000008000808bULL, 0x800000000000008bULL, 0x8000000000008089ULL, 0x8000000000008003ULL,
    0x8000000000008002ULL, 0x8000000000000080ULL, 0x000000000000800aULL, 0x800000008000000aULL,
    0x8000000080008081ULL, 0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL,
};

/* The rho and pi steps as one walk over the 24 lanes other than (0, 0): lane pi_lane[i]
 * receives the previous lane of the walk rotated by rho_rot[i] (the offsets of the
 * specification, in walk order: the triangular numbers (i+1)(i+2)/2 mod 64). */
static const unsigned char pi_lane[24] = {
    10, 7, 11, 17, 18, 3, 5, 16, 8, 21, 24, 4, 15, 23, 19, 13, 12, 2, 20, 14, 22, 9, 6, 1,
};
static const unsigned char rho_rot[24] = {
    1, 3, 6, 10, 15, 21, 28, 36, 45, 55, 2, 14, 27, 41, 56, 8, 25, 43, 62, 18, 39, 61, 20, 44,
};

static inline uint64_t rotl64(uint64_t v, unsigned n)
{
    return (v << n) | (v >> ((64 - n) & 63));
}

/* Fully unrolled by the compiler (GCC and clang honour the pragma): the round is then
 * straight-line code on 25 lanes kept in registers where possible. */
static void keccak_f1600(uint64_t a[25])
{
    uint64_t c[5], d[5], t;
    for (unsigned round = 0; round < 24; round++) {
        /* theta */
#pragma GCC unroll 5
        for (unsigned x = 0; x < 5; x++)
            c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20];
#pragma GCC unroll 5
        for (unsigned x = 0; x < 5; x++)
            d[x] = c[(x + 4) % 5] ^ rotl64(c[(x + 1) % 5], 1);
#pragma GCC unroll 25
        for (unsigned i = 0; i < 25; i++)
            a[i] ^= d[i % 5];
        /* rho and pi */
        t = a[1];
#pragma GCC unroll 24
        for (unsigned i = 0; i < 24; i++) {
            uint64_t next = a[pi_lane[i]];
            a[pi_lane[i]] = rotl64(t, rho_rot[i]);
            t = next;
        }
        /* chi, row by row */
#pragma GCC unroll 5
        for (unsigned y = 0; y < 25; y += 5) {
#pragma GCC unroll 5
            for (unsigned x = 0; x < 5; x++)
                c[x] = a[y + x];
#pragma GCC unroll 5
            for (unsigned x = 0; x < 5; x++)
                a[y + x] = c[x] ^ (~c[(x + 1) % 5] & c[(x + 2) % 5]);
        }
        /* iota */
        a[0] ^= round_constants[round];
    }
}

/* XORs one 136-byte block into the state (lanes are little-endian) and permutes. */
static void absorb_block(uint64_t st[25], const uint8_t *p)
{
    for (unsigned i = 0; i < KECCAK_RATE / 8; i++) {
        uint64_t lane = 0;
        for (unsigned k = 0; k < 8; k++)
            lane |= (uint64_t)p[8 * i + k] << (8 * k);
        st[i] ^= lane;
    }
    keccak_f1600(st);
}

void ct_keccak256_init(ct_keccak_ctx *c)
{
    memset(c, 0, sizeof(*c));
}

void ct_keccak256_update(ct_keccak_ctx *c, const void *data, size_t len)
{
    const uint8_t *p = data;
    if (len == 0)
        return;
    if (c->n > 0) {
        size_t take = KECCAK_RATE - c->n;
        if (take > len)
            take = len;
        memcpy(c->buf + c->n, p, take);
        c->n += take;
        p += take;
        len -= take;
        if (c->n < KECCAK_RATE)
            return;
        absorb_block(c->st, c->buf);
        c->n = 0;
    }
    while (len >= KECCAK_RATE) {
        absorb_block(c->st, p);
        p += KECCAK_RATE;
        len -= KECCAK_RATE;
    }
    if (len > 0) {
        memcpy(c->buf, p, len);
        c->n = len;
    }
}

void ct_keccak256_final(ct_keccak_ctx *c, uint8_t out[32])
{
    memset(c->buf + c->n, 0, KECCAK_RATE - c->n);
    c->buf[c->n] ^= 0x01;
    c->buf[KECCAK_RATE - 1] ^= 0x80;
    absorb_block(c->st, c->buf);
    for (unsigned i = 0; i < 4; i++)
        for (unsigned k = 0; k < 8; k++)
            out[8 * i + k] = (uint8_t)(c->st[i] >> (8 * k));
    memset(c, 0, sizeof(*c));
}

void ct_keccak256(uint8_t out[32], const void *data, size_t len)
{
    ct_keccak_ctx c;
    ct_keccak256_init(&c);
    ct_keccak256_update(&c, data, len);
    ct_keccak256_final(&c, out);
}
