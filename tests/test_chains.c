/* The chain registry (include/chaintrail/chains.h): every family's ops table is complete and
 * versioned, lookups by name, alias and chain id, the name lists the CLI prints, and each
 * family's address check. */
#include <criterion/criterion.h>
#include <string.h>

#include "chaintrail/chaintrail.h"
#include "testutil.h"

Test(chains, registered_families_are_complete)
{
    const ct_chain_ops *const *f = ct_chain_families();
    size_t n = 0;
    for (; f[n]; n++) {
        cr_expect_eq(f[n]->version, CT_CHAIN_OPS_VERSION, "%s", f[n]->name);
        cr_expect_not_null(f[n]->address_check, "%s", f[n]->name);
        cr_expect_not_null(f[n]->networks[0], "%s has a default network", f[n]->name);
        cr_expect_eq(ct_chain_family_get(f[n]->name), f[n]);
    }
    cr_assert_eq(n, 2);
    cr_expect_str_eq(f[0]->name, "bitcoin");
    cr_expect_eq(f[0]->model, CT_CHAIN_UTXO);
    cr_expect_eq(f[0]->decimals, 8);
    cr_expect_str_eq(f[1]->name, "ethereum");
    cr_expect_eq(f[1]->model, CT_CHAIN_ACCOUNT);
    cr_expect_eq(f[1]->decimals, 18);
    cr_expect_null(ct_chain_family_get("dogecoin"));
    cr_expect_null(ct_chain_family_get("Bitcoin"));
    cr_expect_null(ct_chain_family_get(NULL));
}

Test(chains, bitcoin_networks_are_the_parameter_table)
{
    const ct_chain_ops *btc = ct_chain_family_get("bitcoin");
    const ct_btc_params *const *all = ct_btc_params_all();
    size_t i = 0;
    for (; all[i]; i++) {
        const ct_chain_network *n = btc->networks[i];
        cr_assert_not_null(n);
        cr_expect_eq(n->btc, all[i]);
        cr_expect_str_eq(n->name, all[i]->name);
        cr_expect_str_eq(n->coin, all[i]->coin);
        cr_expect_eq(n->chain_id, 0);
    }
    cr_expect_null(btc->networks[i]);
    cr_expect_str_eq(ct_chain_network_get(btc, "regtest")->coin, "rBTC");
    /* Core's aliases */
    cr_expect_str_eq(ct_chain_network_get(btc, "main")->name, "mainnet");
    cr_expect_str_eq(ct_chain_network_get(btc, "testnet3")->name, "testnet");
    cr_expect_null(ct_chain_network_get(btc, "litecoin"));
    cr_expect_null(ct_chain_network_by_id(btc, 1));
}

Test(chains, ethereum_networks_by_chain_id)
{
    const ct_chain_ops *eth = ct_chain_family_get("ethereum");
    const ct_chain_network *n = ct_chain_network_by_id(eth, 1);
    cr_assert_not_null(n);
    cr_expect_str_eq(n->name, "mainnet");
    cr_expect_str_eq(n->coin, "ETH");
    cr_expect_null(n->btc);
    cr_expect_eq(ct_chain_network_get(eth, "mainnet"), n);
    cr_expect_null(ct_chain_network_by_id(eth, 0));
    cr_expect_null(ct_chain_network_by_id(eth, 424242));
    cr_expect_null(ct_chain_network_get(eth, "main")); /* Bitcoin Core's alias only */
}

Test(chains, name_lists)
{
    char buf[128];
    cr_expect_eq(ct_chain_names(buf, sizeof(buf), NULL), strlen("bitcoin, ethereum"));
    cr_expect_str_eq(buf, "bitcoin, ethereum");
    ct_chain_names(buf, sizeof(buf), ct_chain_family_get("bitcoin"));
    cr_expect_str_eq(buf, "mainnet, testnet, testnet4, signet, regtest");
    /* too small: cut, still terminated, the length it needed returned */
    cr_expect_eq(ct_chain_names(buf, 8, NULL), 17);
    cr_expect_str_eq(buf, "bitcoin");
}

Test(chains, address_checks)
{
    const ct_chain_ops *btc = ct_chain_family_get("bitcoin");
    const ct_chain_ops *eth = ct_chain_family_get("ethereum");
    const ct_chain_network *main = ct_chain_network_get(btc, "mainnet");
    const ct_chain_network *reg = ct_chain_network_get(btc, "regtest");
    ct_error err;
    /* Hal Finney's address (height 170) */
    cr_expect_eq(btc->address_check("1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3", main, &err), CT_OK);
    cr_expect_eq(btc->address_check("1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm4", main, &err), CT_EINVAL);
    cr_expect_str_eq(err.reason, "bad-checksum");
    cr_expect_eq(btc->address_check("1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3", reg, &err), CT_EINVAL);
    cr_expect_str_eq(err.reason, "wrong-network");
    cr_expect_eq(
        eth->address_check("0x3fC91A3afd70395Cd496C647d5a6CC9D4B2b7FAD", eth->networks[0], &err),
        CT_OK);
    /* one letter's case changed: the EIP-55 checksum fails */
    cr_expect_neq(
        eth->address_check("0x3fc91A3afd70395Cd496C647d5a6CC9D4B2b7FAD", eth->networks[0], &err),
        CT_OK);
}

Test(chains, cli_lists_the_registered_families)
{
    tu_run r;
    const char *args[] = {"ingest", "dogecoin", "x", NULL};
    tu_exec(&r, args, NULL);
    cr_expect_eq(r.status, 2);
    cr_expect_str_eq(r.err, "chaintrail: ingest: unknown chain 'dogecoin' (ingest reads: bitcoin, "
                            "ethereum)\n");
    tu_run_free(&r);
    const char *args2[] = {"ingest", "bitcoin", "--network", "litecoin", "x", NULL};
    tu_exec(&r, args2, NULL);
    cr_expect_eq(r.status, 2);
    cr_expect_str_eq(r.err, "chaintrail: ingest: option '--network': unknown network 'litecoin' "
                            "(valid: mainnet, testnet, testnet4, signet, regtest)\n");
    tu_run_free(&r);
}
