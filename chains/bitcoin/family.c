/* The Bitcoin family's operations table (include/chaintrail/chains.h): UTXO model, 8
 * decimals, the networks of params.c, addresses in Base58Check, bech32 and bech32m. */
#include "chaintrail/bitcoin.h"
#include "bitcoin/family.h"
#include "registry.h"

static int address_check(const char *address, const ct_chain_network *net, ct_error *err)
{
    ct_btc_addr a;
    return ct_btc_addr_decode(&a, address, net ? net->btc : NULL, err);
}

const ct_chain_ops ct_bitcoin_family = {
    .version = CT_CHAIN_OPS_VERSION,
    .name = "bitcoin",
    .model = CT_CHAIN_UTXO,
    .decimals = 8,
    .networks = ct_btc_chain_networks,
    .address_check = address_check,
};
