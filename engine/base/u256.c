/* Unsigned 256-bit integers (include/chaintrail/u256.h): the amounts of Ethereum and its
 * tokens. Plain four-limb arithmetic with 128-bit partial products; muldiv keeps the full
 * 512-bit product and divides it exactly. */
#include <string.h>

#include "chaintrail/u256.h"
#include "base/util.h"

__extension__ typedef unsigned __int128 u128;

ct_u256 ct_u256_from_u64(uint64_t v)
{
    ct_u256 r = {{v, 0, 0, 0}};
    return r;
}

bool ct_u256_is_zero(const ct_u256 *a)
{
    return (a->w[0] | a->w[1] | a->w[2] | a->w[3]) == 0;
}

int ct_u256_cmp(const ct_u256 *a, const ct_u256 *b)
{
    for (int i = 3; i >= 0; i--) {
        if (a->w[i] != b->w[i])
            return a->w[i] < b->w[i] ? -1 : 1;
    }
    return 0;
}

static unsigned limb_bits(uint64_t v)
{
    return v ? 64u - (unsigned)__builtin_clzll(v) : 0u;
}

unsigned ct_u256_bits(const ct_u256 *a)
{
    for (int i = 3; i >= 0; i--) {
        if (a->w[i])
            return (unsigned)i * 64u + limb_bits(a->w[i]);
    }
    return 0;
}

bool ct_u256_to_u64(uint64_t *out, const ct_u256 *a)
{
    if (a->w[1] | a->w[2] | a->w[3])
        return false;
    if (out)
        *out = a->w[0];
    return true;
}

bool ct_u256_add(ct_u256 *r, const ct_u256 *a, const ct_u256 *b)
{
    uint64_t carry = 0;
    ct_u256 s;
    for (int i = 0; i < 4; i++) {
        u128 t = (u128)a->w[i] + b->w[i] + carry;
        s.w[i] = (uint64_t)t;
        carry = (uint64_t)(t >> 64);
    }
    *r = s;
    return carry != 0;
}

bool ct_u256_sub(ct_u256 *r, const ct_u256 *a, const ct_u256 *b)
{
    uint64_t borrow = 0;
    ct_u256 d;
    for (int i = 0; i < 4; i++) {
        uint64_t x = a->w[i], y = b->w[i];
        d.w[i] = x - y - borrow;
        borrow = (x < y || (x == y && borrow)) ? 1u : 0u;
    }
    *r = d;
    return borrow != 0;
}

/* p[0..7] = a * b, least significant limb first. */
static void mul_full(uint64_t p[8], const ct_u256 *a, const ct_u256 *b)
{
    memset(p, 0, 8 * sizeof p[0]);
    for (int i = 0; i < 4; i++) {
        uint64_t carry = 0;
        for (int j = 0; j < 4; j++) {
            u128 t = (u128)a->w[i] * b->w[j] + p[i + j] + carry;
            p[i + j] = (uint64_t)t;
            carry = (uint64_t)(t >> 64);
        }
        p[i + 4] = carry;
    }
}

bool ct_u256_mul(ct_u256 *r, const ct_u256 *a, const ct_u256 *b)
{
    uint64_t p[8];
    mul_full(p, a, b);
    memcpy(r->w, p, sizeof r->w);
    return (p[4] | p[5] | p[6] | p[7]) != 0;
}

int ct_u256_muldiv(ct_u256 *q, ct_u256 *rem, const ct_u256 *a, const ct_u256 *b,
                   const ct_u256 *c, ct_error *err)
{
    if (ct_u256_is_zero(c))
        return ct_fail(err, CT_EINVAL, "division-by-zero", "a 256-bit division by zero");
    uint64_t p[8];
    mul_full(p, a, b);
    uint64_t quot[8] = {0};
    ct_u256 r = {{0, 0, 0, 0}};

    if (!(c->w[1] | c->w[2] | c->w[3])) {
        /* One-limb divisor: schoolbook division limb by limb. */
        uint64_t d = c->w[0], carry = 0;
        for (int i = 7; i >= 0; i--) {
            u128 cur = (u128)carry << 64 | p[i];
            quot[i] = (uint64_t)(cur / d);
            carry = (uint64_t)(cur % d);
        }
        r.w[0] = carry;
    } else {
        /* Shift-subtract from the product's highest set bit; the remainder stays below
         * c < 2^256 before each shift, so five limbs hold it. */
        int top = 7;
        while (top >= 0 && p[top] == 0)
            top--;
        int nbits = top < 0 ? 0 : top * 64 + (int)limb_bits(p[top]);
        uint64_t rr[5] = {0};
        for (int bit = nbits - 1; bit >= 0; bit--) {
            for (int i = 4; i > 0; i--)
                rr[i] = rr[i] << 1 | rr[i - 1] >> 63;
            rr[0] = rr[0] << 1 | (p[bit / 64] >> (bit % 64) & 1u);
            /* rr >= c ? (c has no fifth limb) */
            bool ge = rr[4] != 0;
            if (!ge) {
                ge = true;
                for (int i = 3; i >= 0; i--) {
                    if (rr[i] != c->w[i]) {
                        ge = rr[i] > c->w[i];
                        break;
                    }
                }
            }
            if (ge) {
                uint64_t borrow = 0;
                for (int i = 0; i < 5; i++) {
                    uint64_t y = i < 4 ? c->w[i] : 0;
                    uint64_t x = rr[i];
                    rr[i] = x - y - borrow;
                    borrow = (x < y || (x == y && borrow)) ? 1u : 0u;
                }
                quot[bit / 64] |= (uint64_t)1 << (bit % 64);
            }
        }
        memcpy(r.w, rr, sizeof r.w);
    }
    if (quot[4] | quot[5] | quot[6] | quot[7])
        return ct_fail(err, CT_EINVAL, "overflow", "a 256-bit quotient overflows");
    memcpy(q->w, quot, sizeof q->w);
    if (rem)
        *rem = r;
    return CT_OK;
}

int ct_u256_from_be(ct_u256 *r, const uint8_t *be, size_t len, ct_error *err)
{
    if (len > 32)
        return ct_fail(err, CT_EINVAL, "too-wide", "%zu bytes do not fit 256 bits", len);
    ct_u256 v = {{0, 0, 0, 0}};
    for (size_t i = 0; i < len; i++) {
        size_t bit = (len - 1 - i) * 8;
        v.w[bit / 64] |= (uint64_t)be[i] << (bit % 64);
    }
    *r = v;
    return CT_OK;
}

void ct_u256_to_be(uint8_t out[32], const ct_u256 *a)
{
    for (int i = 0; i < 32; i++) {
        size_t bit = (size_t)(31 - i) * 8;
        out[i] = (uint8_t)(a->w[bit / 64] >> (bit % 64));
    }
}

/* Divides a by d in place (d < 2^32 so the partial quotients stay exact); returns the
 * remainder. */
static uint32_t divmod_small(ct_u256 *a, uint32_t d)
{
    u128 rem = 0;
    for (int i = 3; i >= 0; i--) {
        u128 cur = rem << 64 | a->w[i];
        a->w[i] = (uint64_t)(cur / d);
        rem = cur % d;
    }
    return (uint32_t)rem;
}

size_t ct_u256_to_dec(char *buf, size_t size, const ct_u256 *a)
{
    if (size < CT_U256_DEC_MAX) {
        if (size)
            buf[0] = '\0';
        return 0;
    }
    char tmp[CT_U256_DEC_MAX];
    size_t n = 0;
    ct_u256 v = *a;
    do {
        tmp[n++] = (char)('0' + divmod_small(&v, 10));
    } while (!ct_u256_is_zero(&v));
    for (size_t i = 0; i < n; i++)
        buf[i] = tmp[n - 1 - i];
    buf[n] = '\0';
    return n;
}

int ct_u256_parse_dec(ct_u256 *r, const char *s, size_t len, ct_error *err)
{
    if (len == 0)
        return ct_fail(err, CT_EINVAL, "empty", "an empty number");
    if (len > 1 && s[0] == '0')
        return ct_fail(err, CT_EINVAL, "leading-zero", "'%.*s' has a leading zero",
                       (int)(len > 80 ? 80 : len), s);
    ct_u256 v = {{0, 0, 0, 0}};
    const ct_u256 ten = ct_u256_from_u64(10);
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return ct_fail(err, CT_EINVAL, "not-a-number", "'%.*s' is not a decimal number",
                           (int)(len > 80 ? 80 : len), s);
        ct_u256 digit = ct_u256_from_u64((uint64_t)(s[i] - '0'));
        if (ct_u256_mul(&v, &v, &ten) || ct_u256_add(&v, &v, &digit))
            return ct_fail(err, CT_EINVAL, "overflow", "'%.*s...' exceeds 2^256-1",
                           (int)(len > 80 ? 80 : len), s);
    }
    *r = v;
    return CT_OK;
}

int ct_u256_parse_quantity(ct_u256 *r, const char *s, size_t len, ct_error *err)
{
    int shown = (int)(len > 80 ? 80 : len);
    if (len < 2 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
        return ct_fail(err, CT_EINVAL, "missing-0x", "quantity '%.*s' does not start with 0x",
                       shown, s);
    const char *h = s + 2;
    size_t n = len - 2;
    if (n == 0)
        return ct_fail(err, CT_EINVAL, "empty-quantity", "quantity '0x' has no digits");
    if (n > 1 && h[0] == '0')
        return ct_fail(err, CT_EINVAL, "leading-zero", "quantity '%.*s' has a leading zero",
                       shown, s);
    for (size_t i = 0; i < n; i++) {
        if (ct_hex_digit((unsigned char)h[i]) < 0)
            return ct_fail(err, CT_EINVAL, "not-hex", "quantity '%.*s' has a non-hex digit",
                           shown, s);
    }
    if (n > 64)
        return ct_fail(err, CT_EINVAL, "overflow", "quantity '%.*s' exceeds 256 bits", shown,
                       s);
    ct_u256 v = {{0, 0, 0, 0}};
    for (size_t i = 0; i < n; i++) {
        size_t bit = (n - 1 - i) * 4;
        v.w[bit / 64] |= (uint64_t)ct_hex_digit((unsigned char)h[i]) << (bit % 64);
    }
    *r = v;
    return CT_OK;
}

size_t ct_u256_to_quantity(char *buf, size_t size, const ct_u256 *a)
{
    static const char digits[] = "0123456789abcdef";
    if (size < CT_U256_HEX_MAX) {
        if (size)
            buf[0] = '\0';
        return 0;
    }
    unsigned bits = ct_u256_bits(a);
    unsigned nd = bits == 0 ? 1 : (bits + 3) / 4;
    buf[0] = '0';
    buf[1] = 'x';
    for (unsigned i = 0; i < nd; i++) {
        unsigned bit = (nd - 1 - i) * 4;
        buf[2 + i] = digits[a->w[bit / 64] >> (bit % 64) & 0xf];
    }
    buf[2 + nd] = '\0';
    return 2 + nd;
}
