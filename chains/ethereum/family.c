/* The Ethereum family's operations table (include/chaintrail/chains.h): account model, 18
 * decimals, EIP-55 addresses, and the EVM networks by chain id. An EVM chain is one entry
 * of `networks` (its name, native coin and EIP-155 chain id); `ingest ethereum
 * --chain-id N` reads the blocks of any of them. */
#include <string.h>

#include "chaintrail/ethereum.h"
#include "registry.h"

static const ct_chain_network mainnet = {"mainnet", "ETH", 1, NULL};

static const ct_chain_network *const networks[] = {&mainnet, NULL};

static int address_check(const char *address, const ct_chain_network *net, ct_error *err)
{
    uint8_t a[20];
    (void)net; /* one address format on every EVM chain */
    return ct_eth_address_parse(a, address, strlen(address), err);
}

const ct_chain_ops ct_ethereum_family = {
    .version = CT_CHAIN_OPS_VERSION,
    .name = "ethereum",
    .model = CT_CHAIN_ACCOUNT,
    .decimals = 18,
    .networks = networks,
    .address_check = address_check,
};
