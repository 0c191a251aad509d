/* Labels (engine/intel/labels.c, labels_read.c, tagpack.c and `chaintrail labels`): the category
 * keyword table and precedence; the OFAC lists, GraphSense TagPacks, Etherscan and Forta
 * exports of fixtures/labels imported with exact counts; re-imports that change nothing
 * (counters and digest); addresses labelled by several sources; bad rows rejected with
 * their line and reason; label text stored verbatim; whole files refused (JSON n_ cases,
 * YAML outside the subset) with nothing imported; and the binary end to end. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chaintrail/chaintrail.h"
#include "testutil.h"

#define L(rel) "labels/" rel

/* ---- helpers ---- */
typedef struct rejects {
    size_t n;
    uint64_t line[64];
    char reason[64][48];
} rejects;

static void on_reject(void *ctx, const char *path, uint64_t line, const ct_error *err)
{
    rejects *r = ctx;
    (void)path;
    if (r->n < 64) {
        r->line[r->n] = line;
        snprintf(r->reason[r->n], sizeof(r->reason[0]), "%s", err->reason);
    }
    r->n++;
}

static ct_db *open_db(const char *dir)
{
    ct_db *db;
    ct_db_options o = CT_DB_OPTIONS_INIT;
    ct_error err;
    o.create = true;
    cr_assert_eq(ct_db_open(&db, dir, &o, &err), CT_OK, "%s", err.detail);
    return db;
}

/* Imports fixture `rel` and checks the import succeeded; returns its stats. */
static ct_labels_import_stats import(ct_db *db, const char *rel, rejects *rj)
{
    ct_labels_import_stats st;
    ct_labels_import_options o = CT_LABELS_IMPORT_OPTIONS_INIT;
    ct_error err;
    char *path = tu_fixture(rel);
    o.report = on_reject;
    o.ctx = rj;
    ct_error_clear(&err);
    int rc = ct_labels_import(db, &st, path, &o, &err);
    cr_assert_eq(rc, CT_OK, "%s: %s: %s", rel, err.reason, err.detail);
    free(path);
    return st;
}

static ct_labels_counts counts(ct_db *db)
{
    ct_labels_counts c;
    ct_error err;
    cr_assert_eq(ct_labels_stats(db, &c, &err), CT_OK, "%s", err.detail);
    return c;
}

static void digest(ct_db *db, uint8_t out[32])
{
    ct_error err;
    cr_assert_eq(ct_labels_digest(db, out, &err), CT_OK, "%s", err.detail);
}

static char *write_tmp(const char *dir, const char *name, const char *text)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    snprintf(p, n, "%s/%s", dir, name);
    cr_assert_eq(tu_write_file(p, text, strlen(text)), 0);
    return p;
}

/* ---- categories ---- */
Test(labels, category_words_normalize_to_the_documented_set)
{
    static const struct {
        const char *word;
        ct_label_category want;
    } cases[] = {
        {"exchange", CT_LABEL_EXCHANGE},
        {"Exchange", CT_LABEL_EXCHANGE},
        {"exchange_wallet", CT_LABEL_EXCHANGE},
        {"kucoin", CT_LABEL_EXCHANGE},
        {"mixing_service", CT_LABEL_MIXER},
        {"mixer", CT_LABEL_MIXER},
        {"coinjoin", CT_LABEL_MIXER},
        {"tornado-cash", CT_LABEL_MIXER},
        {"ethereum-mixer", CT_LABEL_MIXER},
        {"bridge", CT_LABEL_BRIDGE},
        {"defi_bridge", CT_LABEL_BRIDGE},
        {"gambling", CT_LABEL_GAMBLING},
        {"Casino", CT_LABEL_GAMBLING},
        {"sanction", CT_LABEL_SANCTIONED},
        {"ofac-sanctions-lists", CT_LABEL_SANCTIONED},
        {"ransomware", CT_LABEL_RANSOMWARE},
        {"hack", CT_LABEL_HACK},
        {"service_hack", CT_LABEL_HACK},
        {"heist", CT_LABEL_HACK},
        {"exploit", CT_LABEL_HACK},
        {"theft", CT_LABEL_HACK},
        {"scam", CT_LABEL_SCAM},
        {"phishing", CT_LABEL_SCAM},
        {"phish-hack", CT_LABEL_SCAM},
        {"ponzi_scheme", CT_LABEL_SCAM},
        {"market", CT_LABEL_DARKNET},
        {"darknet", CT_LABEL_DARKNET},
        {"marketplace", CT_LABEL_OTHER}, /* NFT marketplaces are not darknet markets */
        {"miner", CT_LABEL_MINER},
        {"mining", CT_LABEL_MINER},
        {"defi", CT_LABEL_DEFI},
        {"defi_dex", CT_LABEL_DEFI},
        {"service", CT_LABEL_SERVICE},
        {"wallet_service", CT_LABEL_SERVICE},
        {"payment", CT_LABEL_SERVICE},
        {"blocked", CT_LABEL_BLOCKED},
        {"black_list", CT_LABEL_BLOCKED},
        {"USDT_blacklisted", CT_LABEL_BLOCKED},
        {"user", CT_LABEL_OTHER},
        {"", CT_LABEL_OTHER},
        {"  MIXER  ", CT_LABEL_MIXER},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        cr_expect_eq(ct_label_category_normalize(cases[i].word), cases[i].want, "'%s' -> %s",
                     cases[i].word,
                     ct_label_category_name(ct_label_category_normalize(cases[i].word)));
    cr_expect_eq(ct_label_category_normalize(NULL), CT_LABEL_OTHER);
}

Test(labels, category_names_ranks_and_stops)
{
    static const char *const order[] = {
        "sanctioned", "mixer", "bridge",  "exchange", "gambling", "darknet", "ransomware",
        "scam",       "hack",  "blocked", "defi",     "miner",    "service", "other"};
    unsigned prev = 1000;
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        ct_label_category c;
        cr_assert_eq(ct_label_category_from_name(&c, order[i]), CT_OK, "%s", order[i]);
        cr_expect_str_eq(ct_label_category_name(c), order[i]);
        cr_expect_lt(ct_label_category_rank(c), prev, "%s ranks below the one before", order[i]);
        prev = ct_label_category_rank(c);
        bool stop = !strcmp(order[i], "sanctioned") || !strcmp(order[i], "mixer") ||
                    !strcmp(order[i], "bridge") || !strcmp(order[i], "exchange") ||
                    !strcmp(order[i], "gambling");
        cr_expect_eq(ct_label_category_stops(c), stop, "%s", order[i]);
    }
    ct_label_category c;
    cr_expect_eq(ct_label_category_from_name(&c, "Exchange"), CT_EINVAL);
    cr_expect_null(ct_label_category_name((ct_label_category)CT_LABEL_CATEGORIES));
}

Test(labels, attribution_takes_the_highest_rank_then_confidence)
{
    ct_label items[4] = {
        {"a", "hack one", "BTC", "", CT_LABEL_HACK, 90},
        {"b", "exch low", "BTC", "", CT_LABEL_EXCHANGE, 30},
        {"c", "exch high", "BTC", "", CT_LABEL_EXCHANGE, 80},
        {"d", "svc", "BTC", "", CT_LABEL_SERVICE, 100},
    };
    ct_label_list l;
    ct_label_list_init(&l);
    l.items = items;
    l.count = 4;
    size_t idx;
    cr_expect_eq(ct_labels_attribution(&l, 0, &idx), CT_LABEL_EXCHANGE);
    cr_expect_eq(idx, 2);
    cr_expect_eq(ct_labels_attribution(&l, 85, &idx), CT_LABEL_HACK);
    cr_expect_eq(idx, 0);
    cr_expect_eq(ct_labels_attribution(&l, 101, &idx), CT_LABEL_OTHER);
    cr_expect_eq(idx, SIZE_MAX);
    l.count = 0;
    cr_expect_eq(ct_labels_attribution(&l, 0, NULL), CT_LABEL_OTHER);
}

/* ---- real label sets ---- */
Test(labels, ofac_lists_count_exactly_and_json_twins_add_nothing)
{
    char *dir = tu_tmpdir();
    ct_db *db = open_db(dir);
    rejects rj = {0};
    ct_labels_import_stats st = import(db, L("ofac_0xB10C/sanctioned_addresses_XBT.txt"), &rj);
    cr_expect_eq(st.format, CT_LABELS_OFAC);
    cr_expect_str_eq(st.source, "OFAC SDN (0xB10C list)");
    cr_expect_eq(st.rows, 435);
    cr_expect_eq(st.added, 434);
    cr_expect_eq(st.rejected, 1, "a TRON address in the XBT list");
    cr_expect_eq(rj.n, 1);
    cr_expect_eq(rj.line[0], 355);
    cr_expect_str_eq(rj.reason[0], "bad-prefix");
    st = import(db, L("ofac_0xB10C/sanctioned_addresses_ETH.txt"), &rj);
    cr_expect_eq(st.rows, 152);
    cr_expect_eq(st.added, 152);
    cr_expect_eq(st.rejected, 0);
    st = import(db, L("ofac_0xB10C/sanctioned_addresses_ETH.json"), &rj);
    cr_expect_eq(st.format, CT_LABELS_JSON);
    cr_expect_eq(st.added, 0);
    cr_expect_eq(st.present, 152);
    ct_labels_counts c = counts(db);
    cr_expect_eq(c.labels, 586);
    cr_expect_eq(c.addresses, 586);
    cr_expect_eq(c.sources, 1);
    cr_expect_eq(c.by_category[CT_LABEL_SANCTIONED], 586);
    ct_labels_counts_release(&c);

    /* Mixed case in the list and in the query: stored and found lowercased. */
    ct_label_list l;
    ct_error err;
    ct_label_list_init(&l);
    cr_assert_eq(ct_labels_get(db, &l, "0x098B716B8Aaf21512996dC57EB0615e2383E2f96", &err), CT_OK);
    cr_expect_str_eq(l.address, "0x098b716b8aaf21512996dc57eb0615e2383e2f96");
    cr_assert_eq(l.count, 1, "the Ronin bridge exploiter");
    cr_expect_str_eq(l.items[0].source, "OFAC SDN (0xB10C list)");
    cr_expect_str_eq(l.items[0].label, "OFAC SDN list ETH");
    cr_expect_str_eq(l.items[0].asset, "ETH");
    cr_expect_eq(l.items[0].category, CT_LABEL_SANCTIONED);
    cr_expect_eq(l.items[0].confidence, 100);
    /* A Bitcoin one: asset XBT is stored as BTC. */
    cr_assert_eq(ct_labels_get(db, &l, "123WBUDmSJv4GctdVEz6Qq6z8nXSKrJ4KX", &err), CT_OK);
    cr_assert_eq(l.count, 1);
    cr_expect_str_eq(l.items[0].asset, "BTC");
    cr_expect_str_eq(l.items[0].label, "OFAC SDN list XBT");
    cr_assert_eq(ct_labels_get(db, &l, "1BitcoinEaterAddressDontSendf59kuE", &err), CT_OK);
    cr_expect_eq(l.count, 0);
    ct_label_list_release(&l);
    ct_db_close(db);
    tu_rmtree(dir);
    free(dir);
}

Test(labels, ransomware_packs_and_wannacry_from_two_sources)
{
    char *dir = tu_tmpdir();
    ct_db *db = open_db(dir);
    rejects rj = {0};
    ct_labels_import_stats st = import(db, L("graphsense-tagpacks/packs/ransomware.yaml"), &rj);
    cr_expect_eq(st.format, CT_LABELS_TAGPACK);
    cr_expect_str_eq(st.source, "Ransomware Tagpack");
    cr_expect_eq(st.rows, 7178);
    cr_expect_eq(st.added, 7178);
    st = import(db, L("graphsense-tagpacks/packs/ransomwhere.yaml"), &rj);
    cr_expect_str_eq(st.source, "Ransomwhere tag pack");
    cr_expect_eq(st.rows, 7457);
    cr_expect_eq(st.added, 7457);
    cr_expect_eq(rj.n, 0);
    ct_labels_counts c = counts(db);
    cr_expect_eq(c.labels, 14635);
    cr_expect_eq(c.addresses, 7512, "7,123 addresses are in both packs");
    cr_expect_eq(c.sources, 2);
    cr_expect_eq(c.by_category[CT_LABEL_RANSOMWARE], 14635);
    cr_assert_eq(c.n_sources, 2);
    cr_expect_str_eq(c.per_source[0].name, "Ransomware Tagpack");
    cr_expect_eq(c.per_source[0].labels, 7178);
    cr_expect_str_eq(c.per_source[1].name, "Ransomwhere tag pack");
    cr_expect_eq(c.per_source[1].labels, 7457);
    ct_labels_counts_release(&c);

    static const char *const wannacry[] = {"12t9YDPgwueZ9NyMgw519p7AA8isjr6SMw",
                                           "115p7UMMngoj1pMvkpHijcRdfJNXj6LrLn",
                                           "13AM4VW2dhxYgXeQepoHkHSQuy6NgaEb94"};
    ct_label_list l;
    ct_labels_reader *rd;
    ct_error err;
    ct_label_list_init(&l);
    cr_assert_eq(ct_labels_reader_new(&rd, db, &err), CT_OK);
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(ct_labels_reader_get(rd, &l, wannacry[i], &err), CT_OK);
        cr_assert_eq(l.count, 2, "%s", wannacry[i]);
        cr_expect_str_eq(l.items[0].source, "Ransomware Tagpack");
        cr_expect_str_eq(l.items[0].label, "Wannacry");
        cr_expect_str_eq(l.items[0].reference, "https://zenodo.org/record/1238041#.XLQwopMzZR4");
        cr_expect_str_eq(l.items[1].source, "Ransomwhere tag pack");
        cr_expect_str_eq(l.items[1].label, "WannaCry");
        cr_expect_str_eq(l.items[1].reference, "https://ransomwhe.re/");
        for (int k = 0; k < 2; k++) {
            cr_expect_eq(l.items[k].category, CT_LABEL_RANSOMWARE);
            cr_expect_str_eq(l.items[k].asset, "BTC");
            cr_expect_eq(l.items[k].confidence, 70, "forensic");
        }
        size_t idx;
        cr_expect_eq(ct_labels_attribution(&l, 0, &idx), CT_LABEL_RANSOMWARE);
        cr_expect_eq(idx, 0);
    }
    ct_labels_reader_free(rd);
    ct_label_list_release(&l);
    ct_db_close(db);
    tu_rmtree(dir);
    free(dir);
}

/* Every label file of the fixtures, in one order; returns rows rejected. */
static const char *const all_files[] = {
    L("graphsense-tagpacks/packs/africrypt-hack.yaml"),
    L("graphsense-tagpacks/packs/binance_hack.yaml"),
    L("graphsense-tagpacks/packs/blender_io.yaml"),
    L("graphsense-tagpacks/packs/chaininfo.yaml"),
    L("graphsense-tagpacks/packs/coinjoin_bounty.yaml"),
    L("graphsense-tagpacks/packs/electrum_phishing.yaml"),
    L("graphsense-tagpacks/packs/etherhiding.yaml"),
    L("graphsense-tagpacks/packs/etherscamdb_tagpack.yaml"),
    L("graphsense-tagpacks/packs/etherscan-label-word-cloud.yaml"),
    L("graphsense-tagpacks/packs/etherscan-wordcloud-exchange.yaml"),
    L("graphsense-tagpacks/packs/etherscan-wordcloud-mixing_service.yaml"),
    L("graphsense-tagpacks/packs/exchange-wallets-binance.yaml"),
    L("graphsense-tagpacks/packs/exchange-wallets-bitfinexcom.yaml"),
    L("graphsense-tagpacks/packs/exchange-wallets-bybit.yaml"),
    L("graphsense-tagpacks/packs/exchange-wallets-cryptocom.yaml"),
    L("graphsense-tagpacks/packs/exchange-wallets-deribit.yaml"),
    L("graphsense-tagpacks/packs/exchange-wallets-huobi.yaml"),
    L("graphsense-tagpacks/packs/exchange-wallets-kucoin.yaml"),
    L("graphsense-tagpacks/packs/exchange-wallets-okx.yaml"),
    L("graphsense-tagpacks/packs/exchange-wallets-swissborg.yaml"),
    L("graphsense-tagpacks/packs/hacks.yaml"),
    L("graphsense-tagpacks/packs/hydra.yaml"),
    L("graphsense-tagpacks/packs/interpol-real_services.yaml"),
    L("graphsense-tagpacks/packs/lazarus.yaml"),
    L("graphsense-tagpacks/packs/lazarus2.yaml"),
    L("graphsense-tagpacks/packs/lockbit_tattoos.yaml"),
    L("graphsense-tagpacks/packs/mixing_fc2021.yaml"),
    L("graphsense-tagpacks/packs/ofac.yaml"),
    L("graphsense-tagpacks/packs/plustoken.yaml"),
    L("graphsense-tagpacks/packs/ponzi_scheme.yaml"),
    L("graphsense-tagpacks/packs/ransomware.yaml"),
    L("graphsense-tagpacks/packs/ransomwhere.yaml"),
    L("graphsense-tagpacks/packs/richest_addresses.yaml"),
    L("graphsense-tagpacks/packs/ronin_bridge.yaml"),
    L("graphsense-tagpacks/packs/samourai.yaml"),
    L("graphsense-tagpacks/packs/service-wallets-checksig.yaml"),
    L("graphsense-tagpacks/packs/sinbad_io.yaml"),
    L("graphsense-tagpacks/packs/tornado_cash.yaml"),
    L("graphsense-tagpacks/packs/twitter_hack_scam.yaml"),
    L("graphsense-tagpacks/packs/usdt_blacklist.yaml"),
    L("graphsense-tagpacks/packs/walletexplorer.yaml"),
    L("graphsense-tagpacks/packs/wasabi_collector.yaml"),
    L("ofac_0xB10C/sanctioned_addresses_XBT.txt"),
    L("ofac_0xB10C/sanctioned_addresses_ETH.txt"),
    L("ofac_0xB10C/sanctioned_addresses_USDT.json"),
    L("ofac_0xB10C/sanctioned_addresses_XMR.txt"),
    L("ofac_0xB10C/sanctioned_addresses_BCH.txt"),
    L("ofac_0xB10C/sanctioned_addresses_LTC.txt"),
    L("ofac_0xB10C/sanctioned_addresses_TRX.txt"),
    L("etherscan-labels/combinedAllLabels.json"),
    L("etherscan-labels/accounts/blocked.csv"),
    L("etherscan-labels/accounts/bridge.csv"),
    L("etherscan-labels/accounts/ethereum-mixer.csv"),
    L("etherscan-labels/accounts/ofac-sanctions-lists.csv"),
    L("etherscan-labels/accounts/tornado-cash.csv"),
    L("forta-labelled-datasets/labels/1/etherscan_malicious_labels.csv"),
    L("forta-labelled-datasets/labels/1/malicious_smart_contracts.csv"),
    L("forta-labelled-datasets/labels/1/phishing_scams.csv"),
    L("forta-labelled-datasets/labels/10/malicious_smart_contracts.csv"),
};
#define N_FILES (sizeof(all_files) / sizeof(all_files[0]))

static uint64_t import_all(ct_db *db, uint64_t *added)
{
    uint64_t rejected = 0;
    *added = 0;
    for (size_t i = 0; i < N_FILES; i++) {
        rejects rj = {0};
        ct_labels_import_stats st = import(db, all_files[i], &rj);
        cr_expect_eq(st.rows, st.added + st.present + st.updated + st.rejected, "%s", all_files[i]);
        cr_expect_eq(rj.n, st.rejected, "%s: each rejected row reported", all_files[i]);
        rejected += st.rejected;
        *added += st.added;
    }
    return rejected;
}

Test(labels, every_fixture_imports_and_a_reimport_changes_nothing, .timeout = 300)
{
    char *dir = tu_tmpdir();
    ct_db *db = open_db(dir);
    uint64_t added;
    uint64_t rejected = import_all(db, &added);
    /* 1 OFAC XBT and 1 ofac.yaml (the same TRON address), 1 etherscamdb and 2 plustoken
     * (Bitcoin checksum, Base58 character), 1 bitfinex (an address with a space), 1
     * Etherscan conflicting duplicate. */
    cr_expect_eq(rejected, 7);
    ct_labels_counts c1 = counts(db);
    cr_expect_eq(c1.labels, added);
    cr_expect_gt(c1.sources, 40);
    uint64_t sum = 0, by_src = 0;
    for (unsigned i = 0; i < CT_LABEL_CATEGORIES; i++)
        sum += c1.by_category[i];
    for (size_t i = 0; i < c1.n_sources; i++)
        by_src += c1.per_source[i].labels;
    cr_expect_eq(sum, c1.labels, "the categories add up to the labels");
    cr_expect_eq(by_src, c1.labels, "the sources add up to the labels");
    cr_expect_eq(c1.n_sources, c1.sources);
    uint8_t d1[32], d2[32];
    digest(db, d1);

    uint64_t added2;
    uint64_t rejected2 = import_all(db, &added2);
    cr_expect_eq(added2, 0);
    cr_expect_eq(rejected2, rejected);
    ct_labels_counts c2 = counts(db);
    cr_expect_eq(c2.labels, c1.labels);
    cr_expect_eq(c2.addresses, c1.addresses);
    cr_expect_eq(c2.sources, c1.sources);
    cr_expect(memcmp(c2.by_category, c1.by_category, sizeof(c1.by_category)) == 0);
    digest(db, d2);
    cr_expect(memcmp(d1, d2, 32) == 0, "the digest is unchanged");
    ct_labels_counts_release(&c1);
    ct_labels_counts_release(&c2);

    /* An address labelled by many sources lists them all, ordered by source. */
    ct_label_list l;
    ct_error err;
    ct_label_list_init(&l);
    cr_assert_eq(ct_labels_get(db, &l, "0x8589427373d6d84e98730d7795d8f6f8731fda16", &err), CT_OK);
    cr_expect_geq(l.count, 3, "Tornado Cash: OFAC, GraphSense, Etherscan");
    bool ofac = false, tornado = false, etherscan = false;
    for (size_t i = 0; i < l.count; i++) {
        ofac |= !strcmp(l.items[i].source, "OFAC SDN (0xB10C list)");
        tornado |= !strcmp(l.items[i].source, "Tornado.cash");
        etherscan |= !strcmp(l.items[i].source, "combinedAllLabels.json");
        if (i)
            cr_expect_leq(strcmp(l.items[i - 1].source, l.items[i].source), 0);
    }
    cr_expect(ofac && tornado && etherscan);
    cr_expect_eq(ct_labels_attribution(&l, 0, NULL), CT_LABEL_SANCTIONED);
    /* The Etherscan account pages: category from the file name. */
    cr_assert_eq(ct_labels_get(db, &l, "0x94a1b5cdb22c43faab4abeb5c74999895464ddaf", &err), CT_OK);
    bool mixer_page = false;
    for (size_t i = 0; i < l.count; i++)
        if (!strcmp(l.items[i].source, "ethereum-mixer.csv")) {
            mixer_page = true;
            cr_expect_eq(l.items[i].category, CT_LABEL_MIXER);
            cr_expect_str_eq(l.items[i].label, "Tornado.Cash: Mixer 1");
        }
    cr_expect(mixer_page);
    ct_label_list_release(&l);
    ct_db_close(db);
    tu_rmtree(dir);
    free(dir);
}

/* ---- bad rows and verbatim text ---- */
Test(labels, csv_bad_rows_are_rejected_with_line_and_reason)
{
    char *dir = tu_tmpdir();
    char *db_dir = malloc(strlen(dir) + 4);
    snprintf(db_dir, strlen(dir) + 4, "%s/db", dir);
    const char *csv =
        "address,label,category,source,confidence,asset\n"                                  /* 1 */
        "12t9YDPgwueZ9NyMgw519p7AA8isjr6SMw,ok,ransomware,mine,90,BTC\n"                    /* 2 */
        "12t9YDPgwueZ9NyMgw519p7AA8isjr6SMx,bad checksum,hack,mine,,BTC\n"                  /* 3 */
        "0x12345,short evm,hack,mine,,\n"                                                   /* 4 */
        "1BoatSLRHtKNngkdXEeobR76b53LETtpyT,,exchange,mine,,\n"                             /* 5 */
        "1BoatSLRHtKNngkdXEeobR76b53LETtpyT,\"=HYPERLINK(\"\"http://x\"\")\",exchange,,,\n" /* 6 */
        "1BoatSLRHtKNngkdXEeobR76b53LETtpyT,\"+cmd|' /C calc'!A0\",service,,low,\n"         /* 7 */
        "1BoatSLRHtKNngkdXEeobR76b53LETtpyT,\"@SUM(1,2)\ntwo lines\",other,,,\n" /* 8-9 */
        "1BoatSLRHtKNngkdXEeobR76b53LETtpyT,\t-2+3,,,forensic,\n"                /* 10 */
        "1BoatSLRHtKNngkdXEeobR76b53LETtpyT,conf,exchange,,200,\n"               /* 11 */
        "1BoatSLRHtKNngkdXEeobR76b53LETtpyT,fields,exchange\n"                   /* 12 */
        "1BoatSLRHtKNngkdXEeobR76b53LETtpyT,ab\"c,exchange,,,\n"                 /* 13 */
        "TXYZabc,tron,scam,,,\n"                                                 /* 14 */
        "TXYZabc,tron,scam,,,TRX\n"                                              /* 15 */
        "0xAbCdEf0123456789aBcDeF0123456789AbCdEf01,evm,Mixing_Service,,,\n"     /* 16 */
        "0xabcdef0123456789abcdef0123456789abcdef01,evm,exchange,,,\n"           /* 17 */
        "1BoatSLRHtKNngkdXEeobR76b53LETtpyT,\"unterminated,exchange,,,\n";       /* 18 */
    char *path = write_tmp(dir, "mine.csv", csv);
    ct_db *db = open_db(db_dir);
    ct_labels_import_stats st;
    ct_labels_import_options o = CT_LABELS_IMPORT_OPTIONS_INIT;
    rejects rj = {0};
    ct_error err;
    o.report = on_reject;
    o.ctx = &rj;
    cr_assert_eq(ct_labels_import(db, &st, path, &o, &err), CT_OK, "%s", err.detail);
    cr_expect_eq(st.format, CT_LABELS_CSV);
    static const struct {
        uint64_t line;
        const char *reason;
    } want[] = {
        {3, "bad-checksum"},
        {4, "bad-evm-address"},
        {5, "empty-label"},
        {11, "bad-confidence"},
        {12, "bad-field-count"},
        {13, "bad-csv"},
        {14, "unknown-address-format"},
        {17, "duplicate-conflict"},
        {18, "bad-csv"},
    };
    cr_assert_eq(rj.n, sizeof(want) / sizeof(want[0]));
    for (size_t i = 0; i < rj.n; i++) {
        cr_expect_eq(rj.line[i], want[i].line, "reject %zu: line %llu", i,
                     (unsigned long long)rj.line[i]);
        cr_expect_str_eq(rj.reason[i], want[i].reason, "line %llu", (unsigned long long)rj.line[i]);
    }
    cr_expect_eq(st.rejected, 9);
    cr_expect_eq(st.added, 7);

    ct_label_list l;
    ct_label_list_init(&l);
    cr_assert_eq(ct_labels_get(db, &l, "1BoatSLRHtKNngkdXEeobR76b53LETtpyT", &err), CT_OK);
    cr_assert_eq(l.count, 4);
    /* Order: by source then label bytes; every source is the file name here. */
    cr_expect_str_eq(l.items[0].label, "\t-2+3");
    cr_expect_eq(l.items[0].confidence, 70);
    cr_expect_eq(l.items[0].category, CT_LABEL_OTHER);
    cr_expect_str_eq(l.items[1].label, "+cmd|' /C calc'!A0");
    cr_expect_eq(l.items[1].confidence, 20);
    cr_expect_str_eq(l.items[2].label, "=HYPERLINK(\"http://x\")");
    cr_expect_eq(l.items[2].confidence, 50, "the default");
    cr_expect_str_eq(l.items[3].label, "@SUM(1,2)\ntwo lines");
    for (size_t i = 0; i < 4; i++) {
        cr_expect_str_eq(l.items[i].source, "mine.csv");
        cr_expect_str_eq(l.items[i].asset, "BTC");
    }
    cr_assert_eq(ct_labels_get(db, &l, "0xABCDEF0123456789ABCDEF0123456789ABCDEF01", &err), CT_OK);
    cr_assert_eq(l.count, 1);
    cr_expect_eq(l.items[0].category, CT_LABEL_MIXER);
    cr_expect_str_eq(l.items[0].asset, "ETH");
    cr_assert_eq(ct_labels_get(db, &l, "TXYZabc", &err), CT_OK);
    cr_assert_eq(l.count, 1);
    cr_expect_str_eq(l.items[0].asset, "TRX");
    cr_assert_eq(ct_labels_get(db, &l, "12t9YDPgwueZ9NyMgw519p7AA8isjr6SMw", &err), CT_OK);
    cr_assert_eq(l.count, 1);
    cr_expect_str_eq(l.items[0].source, "mine");
    cr_expect_eq(l.items[0].confidence, 90);
    ct_labels_counts c = counts(db);
    cr_expect_eq(c.labels, 7);
    cr_expect_eq(c.addresses, 4);
    cr_expect_eq(c.sources, 2);
    ct_labels_counts_release(&c);
    ct_label_list_release(&l);
    ct_db_close(db);
    tu_rmtree(dir);
    free(dir);
    free(db_dir);
    free(path);
}

Test(labels, a_changed_row_is_updated_and_counted_once)
{
    char *dir = tu_tmpdir();
    char db_dir[512];
    snprintf(db_dir, sizeof(db_dir), "%s/db", dir);
    char *a = write_tmp(dir, "a.csv",
                        "address,label,category\n1BoatSLRHtKNngkdXEeobR76b53LETtpyT,x,exchange\n");
    ct_db *db = open_db(db_dir);
    ct_labels_import_stats st;
    ct_error err;
    cr_assert_eq(ct_labels_import(db, &st, a, NULL, &err), CT_OK);
    cr_expect_eq(st.added, 1);
    cr_assert_eq(
        tu_write_file(a, "address,label,category\n1BoatSLRHtKNngkdXEeobR76b53LETtpyT,x,mixer\n",
                      strlen("address,label,category\n"
                             "1BoatSLRHtKNngkdXEeobR76b53LETtpyT,x,mixer\n")),
        0);
    cr_assert_eq(ct_labels_import(db, &st, a, NULL, &err), CT_OK);
    cr_expect_eq(st.added, 0);
    cr_expect_eq(st.updated, 1);
    ct_labels_counts c = counts(db);
    cr_expect_eq(c.labels, 1);
    cr_expect_eq(c.addresses, 1);
    cr_expect_eq(c.by_category[CT_LABEL_EXCHANGE], 0);
    cr_expect_eq(c.by_category[CT_LABEL_MIXER], 1);
    ct_labels_counts_release(&c);
    /* Forced options: source, category and asset for every row. */
    ct_labels_import_options o = CT_LABELS_IMPORT_OPTIONS_INIT;
    o.source = "case 42";
    o.category = CT_LABEL_SANCTIONED;
    cr_assert_eq(ct_labels_import(db, &st, a, &o, &err), CT_OK);
    cr_expect_eq(st.added, 1);
    ct_label_list l;
    ct_label_list_init(&l);
    cr_assert_eq(ct_labels_get(db, &l, "1BoatSLRHtKNngkdXEeobR76b53LETtpyT", &err), CT_OK);
    cr_assert_eq(l.count, 2);
    cr_expect_str_eq(l.items[1].source, "case 42"); /* "a.csv" < "case 42" */
    cr_expect_eq(l.items[1].category, CT_LABEL_SANCTIONED);
    ct_label_list_release(&l);
    ct_db_close(db);
    tu_rmtree(dir);
    free(dir);
    free(a);
}

/* ---- whole files refused ---- */
static void expect_refused(const char *name, const char *text, const char *reason,
                           const char *detail_prefix)
{
    char *dir = tu_tmpdir();
    char db_dir[512];
    snprintf(db_dir, sizeof(db_dir), "%s/db", dir);
    char *path = write_tmp(dir, name, text);
    ct_db *db = open_db(db_dir);
    ct_labels_import_stats st;
    ct_error err;
    ct_error_clear(&err);
    cr_expect_eq(ct_labels_import(db, &st, path, NULL, &err), CT_ECORRUPT, "%s", name);
    cr_expect_str_eq(err.reason, reason, "%s: %s", name, err.detail);
    cr_expect(strncmp(err.detail, detail_prefix, strlen(detail_prefix)) == 0, "%s: '%s'", name,
              err.detail);
    ct_labels_counts c = counts(db);
    cr_expect_eq(c.labels, 0, "%s: nothing imported", name);
    ct_labels_counts_release(&c);
    ct_db_close(db);
    tu_rmtree(dir);
    free(dir);
    free(path);
}

Test(labels, json_files_that_are_not_json_import_nothing)
{
    expect_refused("dup.json",
                   "[{\"address\":\"1BoatSLRHtKNngkdXEeobR76b53LETtpyT\",\"label\":\"a\","
                   "\"label\":\"b\",\"category\":\"exchange\"}]",
                   "json-duplicate-key", "line 1, column 62");
    expect_refused("bom.json", "\xef\xbb\xbf[]", "json-bom", "line 1, column 1");
    expect_refused(
        "surrogate.json",
        "[{\"address\":\"1BoatSLRHtKNngkdXEeobR76b53LETtpyT\",\n \"label\":\"\\ud800\"}]",
        "json-surrogate", "line 2, column 11");
    expect_refused("utf8.json",
                   "{\"0xabcdef0123456789abcdef0123456789abcdef01\":{\"name\":\"\xc0\xaf\"}}",
                   "json-utf8", "line 1, column 56");
    expect_refused("trailing.json", "[] x", "json-trailing", "line 1, column 4");
}

Test(labels, yaml_outside_the_subset_imports_nothing)
{
    expect_refused("flow.yaml", "title: t\ntags: [a, b]\n", "tagpack-yaml", "line 2:");
    expect_refused("anchor.yaml", "title: &x t\ntags:\n- address: a\n", "tagpack-yaml", "line 1:");
    expect_refused("block.yaml", "title: |\n  t\n", "tagpack-yaml", "line 1:");
    expect_refused("tab.yaml", "title: t\ntags:\n- address: a\n\tlabel: b\n", "tagpack-yaml",
                   "line 4:");
    expect_refused("dupkey.yaml", "title: t\ntags:\n- address: a\n  label: b\n  label: c\n",
                   "tagpack-yaml", "line 5: duplicate key");
    expect_refused("dupheader.yaml", "title: t\nlabel: x\ntags:\n- address: a\nlabel: y\n",
                   "tagpack-yaml", "line 5: duplicate key");
    expect_refused("multiline.yaml", "title: t\nlabel: a plain\n  continued\ntags: []\n",
                   "tagpack-yaml", "line 3:");
    expect_refused("nested.yaml", "title: t\ntags:\n- address: a\n  context:\n    tx: 1\n",
                   "tagpack-yaml", "line 5:");
    expect_refused("colon.yaml", "title: t\ntags:\n- address: a\n  label: Tornado.Cash: 1 ETH\n",
                   "tagpack-yaml", "line 4:");
    expect_refused("unterminated.yaml", "title: t\ntags:\n- address: 'a\n", "tagpack-yaml",
                   "line 3:");
    expect_refused("list.yaml", "- address: a\n", "tagpack-yaml", "line 1:");
    expect_refused("header.csv", "addr,label,category\n1BoatSLRHtKNngkdXEeobR76b53LETtpyT,a,b\n",
                   "csv-header", "line 1: unknown column 'addr'");
}

Test(labels, tagpack_inheritance_quoting_and_concepts)
{
    char *dir = tu_tmpdir();
    char db_dir[512];
    snprintf(db_dir, sizeof(db_dir), "%s/db", dir);
    const char *pack = "%YAML 1.1\n"
                       "---\n"
                       "# a comment\n"
                       "title: \"Hand \\\"made\\\" pack\"   # trailing comment\n"
                       "currency: BTC\n"
                       "category: exchange\n"
                       "confidence: service_data\n"
                       "source: https://example.org/pack\n"
                       "tags:\n"
                       "  - address: 1BoatSLRHtKNngkdXEeobR76b53LETtpyT\n"
                       "    label: 'it''s a\n"
                       "\n"
                       "      folded label'\n"
                       "  - address: '0xAbCdEf0123456789aBcDeF0123456789AbCdEf01'\n"
                       "    currency: ETH\n"
                       "    label: evm\n"
                       "    abuse: sanction\n"
                       "    confidence: web_crawl\n"
                       "    source: https://example.org/tag\n"
                       "  - address: 3M8XGFBKwkf7miBzpkU3x2DoWwAVrD1mhk\n"
                       "    label: concepts\n"
                       "    concepts:\n"
                       "    - mixing_service\n"
                       "    - exchange\n"
                       "  - label: no address\n"
                       "  - address: 1BoatSLRHtKNngkdXEeobR76b53LETtpyT\n"
                       "    label: bad conf\n"
                       "    confidence: guess\n"
                       "lastmod: 2024-01-01\n";
    char *path = write_tmp(dir, "pack.yml", pack);
    ct_db *db = open_db(db_dir);
    ct_labels_import_stats st;
    ct_labels_import_options o = CT_LABELS_IMPORT_OPTIONS_INIT;
    rejects rj = {0};
    ct_error err;
    o.report = on_reject;
    o.ctx = &rj;
    cr_assert_eq(ct_labels_import(db, &st, path, &o, &err), CT_OK, "%s", err.detail);
    cr_expect_str_eq(st.source, "Hand \"made\" pack");
    cr_expect_eq(st.rows, 5);
    cr_expect_eq(st.added, 3);
    cr_assert_eq(rj.n, 2);
    cr_expect_eq(rj.line[0], 25);
    cr_expect_str_eq(rj.reason[0], "empty-address");
    cr_expect_eq(rj.line[1], 26);
    cr_expect_str_eq(rj.reason[1], "bad-confidence");
    ct_label_list l;
    ct_label_list_init(&l);
    cr_assert_eq(ct_labels_get(db, &l, "1BoatSLRHtKNngkdXEeobR76b53LETtpyT", &err), CT_OK);
    cr_assert_eq(l.count, 1);
    cr_expect_str_eq(l.items[0].label, "it's a\nfolded label");
    cr_expect_eq(l.items[0].category, CT_LABEL_EXCHANGE);
    cr_expect_eq(l.items[0].confidence, 80);
    cr_expect_str_eq(l.items[0].asset, "BTC");
    cr_expect_str_eq(l.items[0].reference, "https://example.org/pack");
    cr_assert_eq(ct_labels_get(db, &l, "0xabcdef0123456789abcdef0123456789abcdef01", &err), CT_OK);
    cr_assert_eq(l.count, 1);
    cr_expect_eq(l.items[0].category, CT_LABEL_SANCTIONED, "abuse outranks the header's exchange");
    cr_expect_eq(l.items[0].confidence, 40);
    cr_expect_str_eq(l.items[0].asset, "ETH");
    cr_expect_str_eq(l.items[0].reference, "https://example.org/tag");
    cr_assert_eq(ct_labels_get(db, &l, "3M8XGFBKwkf7miBzpkU3x2DoWwAVrD1mhk", &err), CT_OK);
    cr_assert_eq(l.count, 1);
    cr_expect_eq(l.items[0].category, CT_LABEL_MIXER);
    ct_label_list_release(&l);
    ct_db_close(db);
    tu_rmtree(dir);
    free(dir);
    free(path);
}

/* ---- the binary ---- */
Test(labels, cli_import_show_stats_end_to_end, .timeout = 120)
{
    char *dir = tu_tmpdir();
    char db_arg[512];
    snprintf(db_arg, sizeof(db_arg), "--db=%s/db", dir);
    char *xbt = tu_fixture(L("ofac_0xB10C/sanctioned_addresses_XBT.txt"));
    char *ransom = tu_fixture(L("graphsense-tagpacks/packs/ransomware.yaml"));
    char *ransomwhere = tu_fixture(L("graphsense-tagpacks/packs/ransomwhere.yaml"));
    tu_run r;

    const char *imp[] = {db_arg, "labels", "import", ransom, ransomwhere, NULL};
    tu_exec(&r, imp, NULL);
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect(strstr(r.err, "ransomware.yaml: tagpack, source 'Ransomware Tagpack': 7178 labels "
                            "read: 7178 added, 0 already present, 0 updated, 0 rejected\n"),
              "%s", r.err);
    tu_run_free(&r);

    const char *imp2[] = {db_arg, "labels", "import", xbt, NULL};
    tu_exec(&r, imp2, NULL);
    cr_expect_eq(r.status, 3, "a rejected row: exit 3");
    cr_expect(strstr(r.err, "sanctioned_addresses_XBT.txt:355: bad-prefix: "), "%s", r.err);
    cr_expect(strstr(r.err, "435 labels read: 434 added, 0 already present, 0 updated, 1 rejected "
                            "(bad-prefix 1)"),
              "%s", r.err);
    tu_run_free(&r);

    const char *show[] = {db_arg,     "labels", "show", "12t9YDPgwueZ9NyMgw519p7AA8isjr6SMw",
                          "--format", "json",   NULL};
    tu_exec(&r, show, NULL);
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect_str_eq(
        r.out,
        "{\"address\":\"12t9YDPgwueZ9NyMgw519p7AA8isjr6SMw\",\"attribution\":{\"category\":"
        "\"ransomware\",\"stops\":false,\"label\":{\"source\":\"Ransomware Tagpack\",\"label\":"
        "\"Wannacry\",\"category\":\"ransomware\",\"confidence\":70,\"asset\":\"BTC\","
        "\"reference\":\"https://zenodo.org/record/1238041#.XLQwopMzZR4\"}},\"labels\":[{"
        "\"source\":\"Ransomware Tagpack\",\"label\":\"Wannacry\",\"category\":\"ransomware\","
        "\"confidence\":70,\"asset\":\"BTC\",\"reference\":\"https://zenodo.org/record/"
        "1238041#.XLQwopMzZR4\"},{\"source\":\"Ransomwhere tag pack\",\"label\":\"WannaCry\","
        "\"category\":\"ransomware\",\"confidence\":70,\"asset\":\"BTC\",\"reference\":"
        "\"https://ransomwhe.re/\"}]}\n");
    tu_run_free(&r);

    const char *show_none[] = {db_arg, "labels", "show", "1BitcoinEaterAddressDontSendf59kuE",
                               NULL};
    tu_exec(&r, show_none, NULL);
    cr_expect_eq(r.status, 8);
    tu_run_free(&r);

    const char *stats[] = {db_arg, "labels", "stats", "--format", "json", NULL};
    tu_exec(&r, stats, NULL);
    cr_expect_eq(r.status, 0);
    cr_expect(strncmp(r.out, "{\"labels\":15069,\"addresses\":7946,\"sources\":3,", 45) == 0, "%s",
              r.out);
    char *digest1 = strstr(r.out, "\"digest\":\"");
    cr_assert(digest1);
    char d1[75];
    snprintf(d1, sizeof(d1), "%.74s", digest1);
    tu_run_free(&r);

    /* Again: nothing added, the same digest, exit 3 for the same rejected row. */
    const char *again[] = {db_arg, "labels", "import", "--quiet", ransom, ransomwhere, xbt, NULL};
    tu_exec(&r, again, NULL);
    cr_expect_eq(r.status, 3);
    cr_expect(!strstr(r.err, "added"), "--quiet: no summary");
    tu_run_free(&r);
    tu_exec(&r, stats, NULL);
    cr_expect(strstr(r.out, d1), "digest unchanged: %s", r.out);
    tu_run_free(&r);

    /* Usage and I/O errors. */
    const char *bad_fmt[] = {db_arg, "labels", "import", "--format", "xml", xbt, NULL};
    tu_exec(&r, bad_fmt, NULL);
    cr_expect_eq(r.status, 2);
    tu_run_free(&r);
    const char *bad_cat[] = {db_arg, "labels", "import", "--category", "Exchange", xbt, NULL};
    tu_exec(&r, bad_cat, NULL);
    cr_expect_eq(r.status, 2);
    tu_run_free(&r);
    const char *missing[] = {db_arg, "labels", "import", "/nonexistent/labels.csv", NULL};
    tu_exec(&r, missing, NULL);
    cr_expect_eq(r.status, 5);
    cr_expect(strstr(r.err, "cannot open '/nonexistent/labels.csv'"), "%s", r.err);
    tu_run_free(&r);
    const char *nosub[] = {db_arg, "labels", "frobnicate", NULL};
    tu_exec(&r, nosub, NULL);
    cr_expect_eq(r.status, 2);
    tu_run_free(&r);
    char nodb[512];
    snprintf(nodb, sizeof(nodb), "--db=%s/none", dir);
    const char *stats_nodb[] = {nodb, "labels", "stats", NULL};
    tu_exec(&r, stats_nodb, NULL);
    cr_expect_eq(r.status, 5, "show and stats never create a database");
    tu_run_free(&r);

    /* Text output escapes control characters of label text. */
    char *csv =
        write_tmp(dir, "ctl.csv",
                  "address,label,category\n1BoatSLRHtKNngkdXEeobR76b53LETtpyT,\"a\x1b[2Jb\","
                  "exchange\n");
    const char *imp3[] = {db_arg, "labels", "import", csv, NULL};
    tu_exec(&r, imp3, NULL);
    cr_expect_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
    const char *show3[] = {db_arg, "labels", "show", "1BoatSLRHtKNngkdXEeobR76b53LETtpyT", NULL};
    tu_exec(&r, show3, NULL);
    cr_expect(strstr(r.out, "ctl.csv: a\\x1b[2Jb\n"), "%s", r.out);
    cr_expect(strstr(r.out, "attribution   exchange (stops a trace by default)"), "%s", r.out);
    tu_run_free(&r);

    free(csv);
    free(xbt);
    free(ransom);
    free(ransomwhere);
    tu_rmtree(dir);
    free(dir);
}

/* A value over a reader's bound is bad input with its reason, never "success": before, a
 * TagPack value over 1 MiB and a JSON string over 16 MiB printed "chaintrail: labels:
 * success" (exit 1), and a CSV record over 16 MiB "out-of-memory". */
static char *big_file(const char *dir, const char *name, const char *head, size_t n,
                      const char *tail)
{
    size_t hl = strlen(head), tl = strlen(tail);
    char *text = malloc(hl + n + tl);
    cr_assert_not_null(text);
    memcpy(text, head, hl);
    memset(text + hl, 'a', n);
    memcpy(text + hl + n, tail, tl);
    char *path = malloc(strlen(dir) + strlen(name) + 2);
    sprintf(path, "%s/%s", dir, name);
    cr_assert_eq(tu_write_file(path, text, hl + n + tl), 0);
    free(text);
    return path;
}

Test(labels, values_over_the_bounds_are_refused_with_their_reason, .timeout = 120)
{
    char *dir = tu_tmpdir();
    char db_arg[512], want[1024];
    snprintf(db_arg, sizeof(db_arg), "--db=%s/db", dir);
    char *paths[3] = {
        big_file(dir, "big.yaml",
                 "title: x\ncategory: exchange\ntags:\n  - address: "
                 "1BoatSLRHtKNngkdXEeobR76b53LETtpyT\n    label: ",
                 (1u << 20) + 1, "\n"),
        big_file(dir, "big.json",
                 "[{\"address\":\"1BoatSLRHtKNngkdXEeobR76b53LETtpyT\",\"label\":\"",
                 (1u << 24) + 1, "\"}]\n"),
        big_file(dir, "big.csv", "address,label,category\n1BoatSLRHtKNngkdXEeobR76b53LETtpyT,",
                 (1u << 24) + 1, ",other\n"),
    };
    const char *why[3] = {"tagpack-yaml: line 5: a value over 1 MiB",
                          "json-too-large: a string over 16 MiB",
                          "csv-too-large: line 2: a record over 16 MiB"};
    for (int i = 0; i < 3; i++) {
        tu_run r;
        tu_exec(&r, (const char *[]){db_arg, "labels", "import", paths[i], NULL}, NULL);
        cr_expect_eq(r.status, 3, "%s: exit %d", paths[i], r.status);
        snprintf(want, sizeof(want), "chaintrail: labels: %s: %s\n", paths[i], why[i]);
        cr_expect_str_eq(r.err, want);
        tu_run_free(&r);
        free(paths[i]);
    }
    /* One byte less is within the bound: the file is read, and the row is rejected by the
     * label rules (1000 bytes at most), not the file. */
    char *ok = big_file(dir, "ok.yaml",
                        "title: x\ncategory: exchange\ntags:\n  - address: "
                        "1BoatSLRHtKNngkdXEeobR76b53LETtpyT\n    label: ",
                        1u << 20, "\n");
    tu_run r;
    tu_exec(&r, (const char *[]){db_arg, "labels", "import", ok, "--quiet", NULL}, NULL);
    cr_expect_eq(r.status, 3, "%s", r.err);
    cr_expect(strstr(r.err, "ok.yaml:4: label-too-long: "), "%s", r.err);
    tu_run_free(&r);
    free(ok);
    tu_rmtree(dir);
    free(dir);
}
