/* Bitcoin addresses: Base58Check (P2PKH, P2SH) and bech32/bech32m segwit addresses (BIP173,
 * BIP350), decoded with every check the BIPs ask for and encoded for the networks of
 * params.c. Used by the script classifier (script.c) and wherever an address typed or pasted
 * by a person comes in.
 *
 * Everything works on fixed buffers on the stack: no allocation, and every input is
 * bounded before any loop runs over it (Base58 big-number work is quadratic, so strings
 * over CT_BASE58_MAX characters are refused first). */
#include <stdbool.h>
#include <string.h>

#include "bitcoin/address.h"
#include "chaintrail/bitcoin.h"
#include "base/hash.h"
#include "base/util.h"

/* ---- error details ---- */

#define SHOW_MAX (CT_BASE58_MAX + 4)

/* Copies at most CT_BASE58_MAX characters of s for an error detail: bytes outside printable
 * ASCII become '?', and a longer string ends in "...". */
static void show(char out[SHOW_MAX], const char *s)
{
    size_t i = 0;
    for (; s[i] && i < CT_BASE58_MAX; i++) {
        unsigned char c = (unsigned char)s[i];
        out[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
    }
    if (s[i]) {
        memcpy(out + i, "...", 3);
        i += 3;
    }
    out[i] = '\0';
}

/* Names one character for a detail: 'x', or 0xNN when it is not printable. */
static void char_name(char out[8], unsigned char c)
{
    static const char hex[] = "0123456789abcdef";
    if (c > 0x20 && c < 0x7f) {
        out[0] = '\'';
        out[1] = (char)c;
        out[2] = '\'';
        out[3] = '\0';
    } else {
        out[0] = '0';
        out[1] = 'x';
        out[2] = hex[c >> 4];
        out[3] = hex[c & 15];
        out[4] = '\0';
    }
}

static int bad_char(ct_error *err, const char *str, size_t pos, const char *what)
{
    char shown[SHOW_MAX], c[8];
    show(shown, str);
    char_name(c, (unsigned char)str[pos]);
    return ct_fail(err, CT_EINVAL, "bad-char", "'%s': %s at position %zu is not %s", shown, c, pos,
                   what);
}

static int bad(ct_error *err, const char *reason, const char *str, const char *what)
{
    char shown[SHOW_MAX];
    show(shown, str);
    return ct_fail(err, CT_EINVAL, reason, "'%s': %s", shown, what);
}

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* ---- bech32 and bech32m (BIP173, BIP350) ---- */

static const char BECH32_CHARSET[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

#define BECH32M_CONST 0x2bc830a3u

/* Value of a lowercase bech32 character, or -1. */
static int bech32_value(char c)
{
    if (c == '\0')
        return -1;
    const char *p = strchr(BECH32_CHARSET, c);
    return p ? (int)(p - BECH32_CHARSET) : -1;
}

/* One step of the BCH checksum over GF(32): multiplies by x and adds v. */
static uint32_t polymod_step(uint32_t chk, uint8_t v)
{
    static const uint32_t gen[5] = {0x3b6a57b2u, 0x26508e6du, 0x1ea119fau, 0x3d4233ddu,
                                    0x2a1462b3u};
    uint32_t top = chk >> 25;
    chk = (chk & 0x1ffffffu) << 5 ^ v;
    for (int i = 0; i < 5; i++)
        if (top >> i & 1)
            chk ^= gen[i];
    return chk;
}

/* The checksum state after the expanded HRP: high bits of each character, a zero, then the
 * low bits. hrp is lowercase. */
static uint32_t polymod_hrp(const char *hrp, size_t n)
{
    uint32_t chk = 1;
    for (size_t i = 0; i < n; i++)
        chk = polymod_step(chk, (uint8_t)((unsigned char)hrp[i] >> 5));
    chk = polymod_step(chk, 0);
    for (size_t i = 0; i < n; i++)
        chk = polymod_step(chk, (uint8_t)((unsigned char)hrp[i] & 31));
    return chk;
}

int ct_bech32_decode(char *hrp, uint8_t *data, size_t *data_len, ct_bech32_enc *enc,
                     const char *str, ct_error *err)
{
    size_t len = strnlen(str, CT_BECH32_MAX + 1);
    if (len > CT_BECH32_MAX)
        return bad(err, "bad-length", str, "longer than 90 characters");

    bool has_lower = false, has_upper = false;
    size_t sep = len; /* the last '1' */
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)str[i];
        if (c < 33 || c > 126)
            return bad_char(err, str, i, "printable ASCII");
        has_lower |= c >= 'a' && c <= 'z';
        has_upper |= c >= 'A' && c <= 'Z';
        if (c == '1')
            sep = i;
    }
    if (has_lower && has_upper)
        return bad(err, "mixed-case", str, "mixes uppercase and lowercase");
    if (sep == len)
        return bad(err, "bad-prefix", str, "no separator '1'");
    if (sep == 0)
        return bad(err, "bad-prefix", str, "empty human-readable part");
    if (len - sep - 1 < 6)
        return bad(err, "bad-length", str, "data part shorter than the 6-character checksum");

    for (size_t i = 0; i < sep; i++)
        hrp[i] = lower(str[i]);
    hrp[sep] = '\0';
    uint32_t chk = polymod_hrp(hrp, sep);
    size_t n = 0;
    for (size_t i = sep + 1; i < len; i++) {
        int v = bech32_value(lower(str[i]));
        if (v < 0)
            return bad_char(err, str, i, "a bech32 character");
        chk = polymod_step(chk, (uint8_t)v);
        data[n++] = (uint8_t)v;
    }
    if (chk == 1)
        *enc = CT_BECH32;
    else if (chk == BECH32M_CONST)
        *enc = CT_BECH32M;
    else
        return bad(err, "bad-checksum", str, "bech32 and bech32m checksums both fail");
    *data_len = n - 6;
    return CT_OK;
}

int ct_bech32_encode(char *buf, size_t size, const char *hrp, const uint8_t *data, size_t data_len,
                     ct_bech32_enc enc)
{
    if (size > 0)
        buf[0] = '\0';
    size_t hl = strnlen(hrp, CT_BECH32_MAX + 1);
    if (hl == 0 || hl > CT_BECH32_MAX || data_len > CT_BECH32_MAX)
        return CT_EINVAL;
    size_t total = hl + 1 + data_len + 6;
    if (total > CT_BECH32_MAX || size <= total)
        return CT_EINVAL;
    if (enc != CT_BECH32 && enc != CT_BECH32M)
        return CT_EINVAL;
    for (size_t i = 0; i < hl; i++) {
        unsigned char c = (unsigned char)hrp[i];
        if (c < 33 || c > 126 || (c >= 'A' && c <= 'Z'))
            return CT_EINVAL;
    }
    for (size_t i = 0; i < data_len; i++)
        if (data[i] > 31)
            return CT_EINVAL;

    uint32_t chk = polymod_hrp(hrp, hl);
    char *p = buf;
    memcpy(p, hrp, hl);
    p += hl;
    *p++ = '1';
    for (size_t i = 0; i < data_len; i++) {
        chk = polymod_step(chk, data[i]);
        *p++ = BECH32_CHARSET[data[i]];
    }
    for (int i = 0; i < 6; i++)
        chk = polymod_step(chk, 0);
    chk ^= enc == CT_BECH32 ? 1u : BECH32M_CONST;
    for (int i = 0; i < 6; i++)
        *p++ = BECH32_CHARSET[chk >> (5 * (5 - i)) & 31];
    *p = '\0';
    return CT_OK;
}

/* Bytes to 5-bit groups, the last one padded with zero bits. out holds (8n + 4) / 5. */
static size_t bits_8to5(uint8_t *out, const uint8_t *in, size_t n)
{
    uint32_t acc = 0;
    unsigned bits = 0;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        acc = (acc << 8 | in[i]) & 0xfffu;
        bits += 8;
        while (bits >= 5) {
            bits -= 5;
            out[k++] = (uint8_t)(acc >> bits & 31);
        }
    }
    if (bits > 0)
        out[k++] = (uint8_t)(acc << (5 - bits) & 31);
    return k;
}

/* 5-bit groups to bytes with BIP173's rule for the incomplete group at the end: at most 4
 * bits, all zero. Returns false when the padding breaks that rule. out holds 5n / 8. */
static bool bits_5to8(uint8_t *out, size_t *out_len, const uint8_t *in, size_t n)
{
    uint32_t acc = 0;
    unsigned bits = 0;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        acc = (acc << 5 | in[i]) & 0x1fffu;
        bits += 5;
        if (bits >= 8) {
            bits -= 8;
            out[k++] = (uint8_t)(acc >> bits & 0xff);
        }
    }
    if (bits >= 5 || (acc & ((1u << bits) - 1)) != 0)
        return false;
    *out_len = k;
    return true;
}

/* ---- Base58Check ---- */

static const char BASE58_ALPHABET[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

static int base58_value(char c)
{
    if (c == '\0')
        return -1;
    const char *p = strchr(BASE58_ALPHABET, c);
    return p ? (int)(p - BASE58_ALPHABET) : -1;
}

int ct_base58check_encode(char *buf, size_t size, const uint8_t *payload, size_t len)
{
    /* (64 + 4) bytes need at most 93 digits: 68 * log(256) / log(58) < 92.6 */
    uint8_t raw[CT_BASE58_MAX_DATA + 4], digits[CT_BASE58_MAX];
    uint8_t sum[32];
    if (size > 0)
        buf[0] = '\0';
    if (len > CT_BASE58_MAX_DATA)
        return CT_EINVAL;
    memcpy(raw, payload, len);
    ct_sha256d(sum, payload, len);
    memcpy(raw + len, sum, 4);
    size_t n = len + 4, zeros = 0, nd = 0;
    while (zeros < n && raw[zeros] == 0)
        zeros++;
    /* digits[] holds the number in base 58, least significant digit first */
    for (size_t i = zeros; i < n; i++) {
        uint32_t carry = raw[i];
        for (size_t k = 0; k < nd; k++) {
            carry += (uint32_t)digits[k] << 8;
            digits[k] = (uint8_t)(carry % 58);
            carry /= 58;
        }
        while (carry > 0) {
            if (nd == sizeof(digits))
                return CT_EINVAL; /* cannot happen for 68 bytes, see above */
            digits[nd++] = (uint8_t)(carry % 58);
            carry /= 58;
        }
    }
    if (size <= zeros + nd)
        return CT_EINVAL;
    memset(buf, '1', zeros);
    for (size_t k = 0; k < nd; k++)
        buf[zeros + k] = BASE58_ALPHABET[digits[nd - 1 - k]];
    buf[zeros + nd] = '\0';
    return CT_OK;
}

int ct_base58check_decode(uint8_t *payload, size_t *len, size_t cap, const char *str, ct_error *err)
{
    size_t n = strnlen(str, CT_BASE58_MAX + 1);
    if (n == 0)
        return bad(err, "bad-length", str, "empty");
    if (n > CT_BASE58_MAX)
        return bad(err, "bad-length", str, "longer than 100 characters");

    /* Each leading '1' is a zero byte. The rest is a number in base 58, kept big-endian at
     * the end of num[]: r digits need at most ceil(r * 0.733) bytes, and zeros + that is
     * never more than n <= CT_BASE58_MAX. */
    uint8_t num[CT_BASE58_MAX];
    size_t zeros = 0, used = 0;
    while (zeros < n && str[zeros] == '1')
        zeros++;
    for (size_t i = zeros; i < n; i++) {
        int d = base58_value(str[i]);
        if (d < 0)
            return bad_char(err, str, i, "a Base58 character");
        uint32_t carry = (uint32_t)d;
        for (size_t k = 0; k < used; k++) {
            size_t at = sizeof(num) - 1 - k;
            carry += 58u * num[at];
            num[at] = (uint8_t)carry;
            carry >>= 8;
        }
        while (carry > 0) {
            if (zeros + used == sizeof(num))
                return bad(err, "bad-length", str, "too long"); /* cannot happen, see above */
            num[sizeof(num) - 1 - used++] = (uint8_t)carry;
            carry >>= 8;
        }
    }

    size_t total = zeros + used;
    if (total < 4)
        return bad(err, "bad-length", str, "shorter than a checksum");
    uint8_t raw[CT_BASE58_MAX], sum[32];
    memset(raw, 0, zeros);
    memcpy(raw + zeros, num + sizeof(num) - used, used);
    ct_sha256d(sum, raw, total - 4);
    if (memcmp(sum, raw + total - 4, 4) != 0)
        return bad(err, "bad-checksum", str, "Base58Check checksum does not match");
    if (total - 4 > cap)
        return bad(err, "bad-length", str, "payload too long");
    memcpy(payload, raw, total - 4);
    *len = total - 4;
    return CT_OK;
}

/* ---- addresses ---- */

#define P2PKH_LEN   20 /* hash160 */
#define PAYLOAD_LEN 21 /* version byte + hash160 */

/* The first network whose bech32 HRP is hrp, or NULL. */
static const ct_btc_params *net_by_hrp(const char *hrp)
{
    for (const ct_btc_params *const *n = ct_btc_params_all(); *n; n++)
        if ((*n)->hrp && strcmp((*n)->hrp, hrp) == 0)
            return *n;
    return NULL;
}

/* The first network whose HRP followed by '1' starts str (either case), or NULL. */
static const ct_btc_params *net_by_hrp_prefix(const char *str)
{
    for (const ct_btc_params *const *n = ct_btc_params_all(); *n; n++) {
        const char *h = (*n)->hrp;
        if (!h)
            continue;
        size_t i = 0;
        while (h[i] && lower(str[i]) == h[i])
            i++;
        if (h[i] == '\0' && str[i] == '1')
            return *n;
    }
    return NULL;
}

/* Type of a Base58 version byte on net: P2PKH, P2SH, or NONSTANDARD. */
static ct_btc_script_type version_type(const ct_btc_params *net, uint8_t version)
{
    if (version == net->p2pkh_prefix)
        return CT_BTC_P2PKH;
    if (version == net->p2sh_prefix)
        return CT_BTC_P2SH;
    return CT_BTC_NONSTANDARD;
}

static int wrong_network(ct_error *err, const char *str, const ct_btc_params *want,
                         const ct_btc_params *got)
{
    char shown[SHOW_MAX];
    show(shown, str);
    return ct_fail(err, CT_EINVAL, "wrong-network", "address '%s': an address of %s, not of %s",
                   shown, got->name, want->name);
}

static ct_btc_script_type witness_type(unsigned version, size_t len)
{
    if (version == 0)
        return len == 20 ? CT_BTC_P2WPKH : len == 32 ? CT_BTC_P2WSH : CT_BTC_NONSTANDARD;
    if (version == 1 && len == 32)
        return CT_BTC_P2TR;
    return CT_BTC_WITNESS_UNKNOWN;
}

static int decode_segwit(ct_btc_addr *out, const char *str, const ct_btc_params *prefix_net,
                         const ct_btc_params *net, ct_error *err)
{
    char hrp[CT_BECH32_MAX], shown[SHOW_MAX];
    uint8_t data[CT_BECH32_MAX], prog[CT_BECH32_MAX];
    size_t n, prog_len = 0;
    ct_bech32_enc enc;
    ct_error sub;

    show(shown, str);
    /* A '1' after the separator would make the decoder take a longer HRP. */
    size_t hl = strlen(prefix_net->hrp);
    const char *one = strchr(str + hl + 1, '1');
    if (one)
        return ct_fail(err, CT_EINVAL, "bad-char",
                       "address '%s': '1' at position %zu is not a bech32 character", shown,
                       (size_t)(one - str));
    ct_error_clear(&sub);
    if (ct_bech32_decode(hrp, data, &n, &enc, str, &sub) != CT_OK)
        return ct_fail(err, CT_EINVAL, sub.reason, "address %s", sub.detail);

    /* The checks of BIP350's decode(), in its order. */
    if (n < 1)
        return ct_fail(err, CT_EINVAL, "bad-length", "address '%s': no witness version", shown);
    unsigned version = data[0];
    if (version > 16)
        return ct_fail(err, CT_EINVAL, "bad-witness-version",
                       "address '%s': witness version %u is over 16", shown, version);
    if (!bits_5to8(prog, &prog_len, data + 1, n - 1))
        return ct_fail(err, CT_EINVAL, "bad-padding",
                       "address '%s': more than 4 bits of padding, or padding not zero", shown);
    if (prog_len < 2 || prog_len > 40)
        return ct_fail(err, CT_EINVAL, "bad-length",
                       "address '%s': witness program of %zu bytes, not 2 to 40", shown, prog_len);
    if (version == 0 && prog_len != 20 && prog_len != 32)
        return ct_fail(err, CT_EINVAL, "bad-length",
                       "address '%s': version 0 witness program of %zu bytes, not 20 or 32", shown,
                       prog_len);
    if (version == 0 && enc != CT_BECH32)
        return ct_fail(err, CT_EINVAL, "wrong-encoding",
                       "address '%s': witness version 0 in bech32m, not bech32", shown);
    if (version != 0 && enc != CT_BECH32M)
        return ct_fail(err, CT_EINVAL, "wrong-encoding",
                       "address '%s': witness version %u in bech32, not bech32m", shown, version);

    if (net && !(net->hrp && strcmp(net->hrp, hrp) == 0))
        return wrong_network(err, str, net, prefix_net);
    out->type = witness_type(version, prog_len);
    out->net = net ? net : prefix_net;
    out->witness_version = version;
    memcpy(out->program, prog, prog_len);
    out->program_len = prog_len;
    return CT_OK;
}

static int decode_base58(ct_btc_addr *out, const char *str, const ct_btc_params *net, ct_error *err)
{
    uint8_t payload[PAYLOAD_LEN];
    size_t len;
    char shown[SHOW_MAX];
    ct_error sub;

    ct_error_clear(&sub);
    if (ct_base58check_decode(payload, &len, sizeof(payload), str, &sub) != CT_OK)
        return ct_fail(err, CT_EINVAL, sub.reason, "address %s", sub.detail);
    show(shown, str);
    if (len != PAYLOAD_LEN)
        return ct_fail(err, CT_EINVAL, "bad-length",
                       "address '%s': %zu bytes after the checksum, not 21", shown, len);

    /* With no network given, the first network knowing the version byte: testnet,
     * testnet4, signet and regtest share theirs, and testnet comes first. */
    const ct_btc_params *found = NULL;
    ct_btc_script_type type = CT_BTC_NONSTANDARD;
    if (net)
        type = version_type(net, payload[0]);
    if (type != CT_BTC_NONSTANDARD) {
        found = net;
    } else {
        for (const ct_btc_params *const *p = ct_btc_params_all(); *p && !found; p++) {
            type = version_type(*p, payload[0]);
            if (type != CT_BTC_NONSTANDARD)
                found = *p;
        }
        if (!found)
            return ct_fail(err, CT_EINVAL, "bad-prefix",
                           "address '%s': version byte 0x%02x belongs to no known network", shown,
                           payload[0]);
        if (net)
            return wrong_network(err, str, net, found);
    }
    out->type = type;
    out->net = found;
    out->witness_version = 0;
    memcpy(out->program, payload + 1, P2PKH_LEN);
    out->program_len = P2PKH_LEN;
    return CT_OK;
}

int ct_btc_addr_decode(ct_btc_addr *out, const char *str, const ct_btc_params *net, ct_error *err)
{
    if (!out || !str)
        return ct_fail(err, CT_EINVAL, "bad-length", "no address given");
    memset(out, 0, sizeof(*out));
    size_t len = strnlen(str, CT_BASE58_MAX + 1);
    if (len == 0)
        return ct_fail(err, CT_EINVAL, "bad-length", "address '': empty");
    if (len > CT_BASE58_MAX) {
        char shown[SHOW_MAX];
        show(shown, str);
        return ct_fail(err, CT_EINVAL, "bad-length", "address '%s': longer than 100 characters",
                       shown);
    }

    /* Bech32 when the string starts with a known HRP and '1' (Base58 addresses of the known
     * networks start with 1, 3, m, n or 2, never so). */
    const ct_btc_params *prefix_net = net_by_hrp_prefix(str);
    if (prefix_net)
        return decode_segwit(out, str, prefix_net, net, err);

    ct_error b58;
    ct_error_clear(&b58);
    int rc = decode_base58(out, str, net, &b58);
    if (rc == CT_OK)
        return CT_OK;
    /* Not Base58 but a good bech32 string: a segwit address of an unknown HRP. */
    char hrp[CT_BECH32_MAX];
    uint8_t data[CT_BECH32_MAX];
    size_t n;
    ct_bech32_enc enc;
    if (ct_bech32_decode(hrp, data, &n, &enc, str, NULL) == CT_OK && !net_by_hrp(hrp)) {
        char shown[SHOW_MAX];
        show(shown, str);
        return ct_fail(err, CT_EINVAL, "bad-prefix",
                       "address '%s': human-readable part '%s' belongs to no known network", shown,
                       hrp);
    }
    return ct_fail(err, rc, b58.reason, "%s", b58.detail);
}

int ct_btc_addr_encode(char *buf, size_t size, const ct_btc_addr *addr)
{
    if (!buf || size == 0)
        return CT_EINVAL;
    buf[0] = '\0';
    if (!addr || !addr->net)
        return CT_EINVAL;
    const ct_btc_params *net = addr->net;
    uint8_t payload[PAYLOAD_LEN];

    switch (addr->type) {
    case CT_BTC_P2PKH:
    case CT_BTC_P2SH:
        if (addr->program_len != P2PKH_LEN)
            return CT_EINVAL;
        payload[0] = addr->type == CT_BTC_P2PKH ? net->p2pkh_prefix : net->p2sh_prefix;
        memcpy(payload + 1, addr->program, P2PKH_LEN);
        return ct_base58check_encode(buf, size, payload, sizeof(payload));
    case CT_BTC_P2WPKH:
    case CT_BTC_P2WSH:
    case CT_BTC_P2TR:
    case CT_BTC_WITNESS_UNKNOWN:
        break;
    default:
        return CT_EINVAL;
    }

    /* The type must be the one the decoder would give for this version and length. */
    unsigned version = addr->witness_version;
    size_t len = addr->program_len;
    if (!net->hrp || version > 16 || len < 2 || len > 40 ||
        witness_type(version, len) != addr->type)
        return CT_EINVAL;
    uint8_t data[1 + (40 * 8 + 4) / 5];
    data[0] = (uint8_t)version;
    size_t n = 1 + bits_8to5(data + 1, addr->program, len);
    return ct_bech32_encode(buf, size, net->hrp, data, n, version == 0 ? CT_BECH32 : CT_BECH32M);
}

int ct_btc_pubkey_address(char *buf, size_t size, const uint8_t *pubkey, size_t len,
                          const ct_btc_params *net)
{
    if (buf && size > 0)
        buf[0] = '\0';
    if (!buf || !pubkey || !net || (len != 33 && len != 65))
        return CT_EINVAL;
    uint8_t payload[PAYLOAD_LEN];
    payload[0] = net->p2pkh_prefix;
    ct_hash160(payload + 1, pubkey, len);
    return ct_base58check_encode(buf, size, payload, sizeof(payload));
}
