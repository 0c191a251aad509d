/* The chain families chaintrail reads, each a versioned operations table, registered in one
 * static list (chains/registry.c). A family names what the commands take (`ingest bitcoin`,
 * `--network regtest`), the graph model its blocks feed (UTXO or account), its native unit,
 * its networks, and how to check an address of it.
 *
 * Where a new chain goes (docs/design.md#adding-a-chain):
 * - a Bitcoin-family network (Litecoin, Dogecoin): a ct_btc_params entry in
 *   chains/bitcoin/params.c; the bitcoin family lists every entry of that table;
 * - an EVM chain (BSC, Polygon): a network entry (name, coin, chain id) in
 *   chains/ethereum/family.c;
 * - a new family: a folder chains/<family>/ with its decoders and its ops table, and one
 *   line in chains/registry.c; its blocks feed engine/utxo or engine/account.
 * No engine file changes for the first two. */
#ifndef CHAINTRAIL_CHAINS_H
#define CHAINTRAIL_CHAINS_H

#include <stddef.h>
#include <stdint.h>

#include "chaintrail/bitcoin.h"
#include "chaintrail/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CT_CHAIN_OPS_VERSION 1

typedef enum ct_chain_model {
    CT_CHAIN_UTXO = 1,    /* outputs spent by inputs: engine/utxo */
    CT_CHAIN_ACCOUNT = 2, /* balances moved by transfers: engine/account */
} ct_chain_model;

/* One network of a family. */
typedef struct ct_chain_network {
    const char *name;         /* as --network takes it: "mainnet", "regtest" */
    const char *coin;         /* the native asset's symbol: "BTC", "rBTC", "ETH" */
    uint64_t chain_id;        /* EIP-155 chain id; 0 in the Bitcoin family */
    const ct_btc_params *btc; /* the Bitcoin family's consensus parameters; NULL otherwise */
} ct_chain_network;

typedef struct ct_chain_ops {
    unsigned version; /* CT_CHAIN_OPS_VERSION */
    const char *name; /* "bitcoin", "ethereum" */
    ct_chain_model model;
    unsigned decimals; /* of the native unit: 8 (satoshi), 18 (wei) */
    /* NULL-terminated; the first is the default network. */
    const ct_chain_network *const *networks;
    /* Checks that `address` is an address of this family on `net` (checksum, encoding,
     * network). Returns CT_OK, or CT_EINVAL with err saying what is wrong. */
    int (*address_check)(const char *address, const ct_chain_network *net, ct_error *err);
} ct_chain_ops;

/* The registered families, NULL-terminated, in registration order. */
const ct_chain_ops *const *ct_chain_families(void);
/* The family of that name, or NULL. */
const ct_chain_ops *ct_chain_family_get(const char *name);
/* A family's network by name (the Bitcoin family also takes Core's aliases: "main",
 * "test", "testnet3"), or NULL. */
const ct_chain_network *ct_chain_network_get(const ct_chain_ops *family, const char *name);
/* A family's network by EIP-155 chain id, or NULL (never found in the Bitcoin family). */
const ct_chain_network *ct_chain_network_by_id(const ct_chain_ops *family, uint64_t chain_id);
/* Writes "a, b, c": the names of the families (family NULL) or of a family's networks, for
 * messages that list what is valid. Returns the length it needed (as snprintf). */
size_t ct_chain_names(char *buf, size_t size, const ct_chain_ops *family);

#ifdef __cplusplus
}
#endif
#endif
