/* The registration table of chain families (include/chaintrail/chains.h): the one list
 * that names every family chaintrail reads, and the lookups over it. A new family adds
 * one line here. */
#include <stdio.h>
#include <string.h>

#include "chaintrail/chains.h"
#include "registry.h"

static const ct_chain_ops *const families[] = {
    &ct_bitcoin_family,
    &ct_ethereum_family,
    NULL,
};

const ct_chain_ops *const *ct_chain_families(void)
{
    return families;
}

const ct_chain_ops *ct_chain_family_get(const char *name)
{
    for (size_t i = 0; name && families[i]; i++)
        if (strcmp(families[i]->name, name) == 0)
            return families[i];
    return NULL;
}

const ct_chain_network *ct_chain_network_get(const ct_chain_ops *family, const char *name)
{
    if (!family || !name)
        return NULL;
    if (family->model == CT_CHAIN_UTXO) {
        /* Core's aliases resolve through the parameter table. */
        const ct_btc_params *p = ct_btc_params_get(name);
        if (p)
            name = p->name;
    }
    for (size_t i = 0; family->networks[i]; i++)
        if (strcmp(family->networks[i]->name, name) == 0)
            return family->networks[i];
    return NULL;
}

const ct_chain_network *ct_chain_network_by_id(const ct_chain_ops *family, uint64_t chain_id)
{
    for (size_t i = 0; family && chain_id && family->networks[i]; i++)
        if (family->networks[i]->chain_id == chain_id)
            return family->networks[i];
    return NULL;
}

size_t ct_chain_names(char *buf, size_t size, const ct_chain_ops *family)
{
    size_t n = 0;
    for (size_t i = 0;; i++) {
        const char *name = family ? (family->networks[i] ? family->networks[i]->name : NULL)
                                  : (families[i] ? families[i]->name : NULL);
        if (!name)
            break;
        int w = snprintf(size > n ? buf + n : NULL, size > n ? size - n : 0, "%s%s", i ? ", " : "",
                         name);
        if (w > 0)
            n += (size_t)w;
    }
    if (size && n == 0)
        buf[0] = '\0';
    return n;
}
