/* Between the Bitcoin family's parameter table (params.c) and its ops table (family.c). */
#ifndef CT_BITCOIN_FAMILY_H
#define CT_BITCOIN_FAMILY_H

#include "chaintrail/chains.h"

/* Every network of params.c, NULL-terminated, mainnet first. */
extern const ct_chain_network *const ct_btc_chain_networks[];

#endif
