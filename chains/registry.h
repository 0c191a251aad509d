/* The families' operations tables, each defined in its own folder (chains/<family>/
 * family.c) and listed in chains/registry.c. Not public: callers use chaintrail/chains.h. */
#ifndef CT_CHAINS_REGISTRY_H
#define CT_CHAINS_REGISTRY_H

#include "chaintrail/chains.h"

extern const ct_chain_ops ct_bitcoin_family;
extern const ct_chain_ops ct_ethereum_family;

#endif
