/* Ethereum addresses in EIP-55 form: hex digits whose case encodes a checksum (a letter is
 * uppercase when the matching nibble of Keccak-256 of the lowercase hex is 8 or more).
 * Printing always uses the checksum form; parsing accepts any case but rejects a
 * mixed-case address whose checksum is wrong (a mistyped digit). */
#include <string.h>

#include "chaintrail/ethereum.h"
#include "base/util.h"

static void checksum_case(char *hex40)
{
    uint8_t h[32];
    ct_keccak256(h, hex40, 40);
    for (unsigned i = 0; i < 40; i++) {
        unsigned nib = i % 2 ? h[i / 2] & 0x0f : h[i / 2] >> 4;
        if (hex40[i] >= 'a' && hex40[i] <= 'f' && nib >= 8)
            hex40[i] = (char)(hex40[i] - 'a' + 'A');
    }
}

void ct_eth_address_format(char out[CT_ETH_ADDR_STR_MAX], const uint8_t addr[20])
{
    out[0] = '0';
    out[1] = 'x';
    ct_hex_encode(out + 2, addr, 20);
    checksum_case(out + 2);
}

int ct_eth_address_parse(uint8_t out[20], const char *s, size_t len, ct_error *err)
{
    char lower[41], want[41];
    bool has_upper = false, has_lower = false;
    if (len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        s += 2;
        len -= 2;
    }
    if (len != 40)
        return ct_fail(err, CT_EINVAL, "bad-length", "an address has 40 hex digits, not %zu", len);
    for (size_t i = 0; i < 40; i++) {
        char c = s[i];
        if (ct_hex_digit((unsigned char)c) < 0)
            return ct_fail(err, CT_EINVAL, "not-hex", "character %zu of the address is not hex",
                           i + 1);
        if (c >= 'A' && c <= 'F') {
            has_upper = true;
            c = (char)(c - 'A' + 'a');
        } else if (c >= 'a' && c <= 'f') {
            has_lower = true;
        }
        lower[i] = c;
    }
    lower[40] = '\0';
    if (has_upper && has_lower) {
        memcpy(want, lower, 41);
        checksum_case(want);
        if (memcmp(want, s, 40) != 0)
            return ct_fail(err, CT_EINVAL, "bad-checksum",
                           "the mixed-case address is not its EIP-55 checksum form 0x%s", want);
    }
    if (ct_hex_decode(out, lower, 20) != CT_OK)
        return ct_fail(err, CT_EINVAL, "not-hex", "the address is not hex");
    return CT_OK;
}
