/* Hashes as block explorers print them: the Bitcoin convention of showing a 32-byte hash
 * in reversed (display) byte order, kept in one place (style.md). Declared in bitcoin.h. */
#include <string.h>

#include "chaintrail/bitcoin.h"
#include "base/util.h"

void ct_hash_to_hex(char out[65], const uint8_t hash[32])
{
    uint8_t rev[32];
    for (int i = 0; i < 32; i++)
        rev[i] = hash[31 - i];
    ct_hex_encode(out, rev, 32);
}

int ct_hash_from_hex(uint8_t hash[32], const char *hex)
{
    uint8_t tmp[32];
    if (strlen(hex) != 64 || ct_hex_decode(tmp, hex, 32) != CT_OK)
        return CT_EINVAL;
    for (int i = 0; i < 32; i++)
        hash[i] = tmp[31 - i];
    return CT_OK;
}
