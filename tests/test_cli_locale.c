/* The program under a Turkish locale (bad-inputs.md C2). In tr_TR.UTF-8 the C library folds
 * 'I' to dotless 'ı' and 'i' to dotted 'İ': glibc's tolower('I') and toupper('i') leave the
 * byte as it is (and glibc's strcasecmp("PRICE", "price") is not 0). Every name the program takes
 * in any case (CSV column names, categories, assets, Ethereum hex) holds an 'i' or 'I' here, so
 * code that folded case through the C library under the user's locale would refuse or
 * mismatch them. Each run is made with LC_ALL, LC_CTYPE and LANG all tr_TR.UTF-8 and must give
 * exactly the output of the C locale. */
#include <criterion/criterion.h>
#include <ctype.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#include "testutil.h"

static const char *const tr[] = {"LC_ALL=tr_TR.UTF-8", "LC_CTYPE=tr_TR.UTF-8", "LANG=tr_TR.UTF-8",
                                 NULL};

/* Asserts that tr_TR.UTF-8 is installed and really folds case the Turkish way, so that the
 * runs below test something (.ci/deps generates the locale). */
static void require_turkish(void)
{
    tu_require_locale("tr_TR.UTF-8");
    char saved[256];
    snprintf(saved, sizeof saved, "%s", setlocale(LC_ALL, NULL));
    cr_assert_not_null(setlocale(LC_ALL, "tr_TR.UTF-8"));
    /* (not strcasecmp: AddressSanitizer replaces it with an ASCII one) */
    bool turkish = tolower('I') != 'i' && toupper('i') != 'I' && towupper(L'i') == 0x130 &&
                   towlower(L'I') == 0x131;
    setlocale(LC_ALL, saved);
    cr_assert(turkish, "tr_TR.UTF-8 does not fold i/I the Turkish way: the test checks nothing");
}

/* Runs chaintrail --db=DIR ARGS... under `env`. */
static void run(tu_run *r, const char *dir, const char *const *args, const char *const *env)
{
    const char *argv[32];
    char d[512];
    snprintf(d, sizeof d, "--db=%s", dir);
    size_t k = 0;
    argv[k++] = d;
    for (size_t i = 0; args[i] && k < 31; i++)
        argv[k++] = args[i];
    argv[k] = NULL;
    tu_exec(r, argv, env);
}

/* Runs the same command in a fresh copy of the state under C and under Turkish: `setup`
 * commands first (each must exit 0), then `args`; asserts equal status, stdout and stderr,
 * and returns the C run in *out. */
static void same_in_turkish(tu_run *out, const char *const *const *setup, const char *const *args)
{
    tu_run t;
    char *dc = tu_fresh_db(), *dt = tu_fresh_db();
    for (size_t i = 0; setup && setup[i]; i++) {
        tu_run a, b;
        run(&a, dc, setup[i], NULL);
        run(&b, dt, setup[i], tr);
        cr_assert_eq(a.status, 0, "setup %zu: %s", i, a.err);
        cr_assert_eq(b.status, 0, "setup %zu under tr_TR: %s", i, b.err);
        cr_assert_str_eq(b.out, a.out);
        cr_assert_str_eq(b.err, a.err);
        tu_run_free(&a);
        tu_run_free(&b);
    }
    run(out, dc, args, NULL);
    run(&t, dt, args, tr);
    cr_assert_eq(t.status, out->status, "C: %s\ntr_TR: %s", out->err, t.err);
    cr_assert_str_eq(t.out, out->out);
    cr_assert_str_eq(t.err, out->err);
    tu_run_free(&t);
    tu_fresh_db_done(dc);
    tu_fresh_db_done(dt);
}

/* Writes `text` to dir/name; returns the malloc'd path. */
static char *write_tmp(const char *dir, const char *name, const char *text)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    snprintf(p, n, "%s/%s", dir, name);
    cr_assert_eq(tu_write_file(p, text, strlen(text)), 0);
    return p;
}

Test(cli_locale, decode_output_is_the_same_in_turkish)
{
    require_turkish();
    char *p = tu_fixture("btc/blk_consecutive/nbitcoin/blk00000.dat");
    tu_run c, t;
    tu_exec(&c, (const char *[]){"decode", "bitcoin", "--format", "text", p, NULL}, NULL);
    tu_exec(&t, (const char *[]){"decode", "bitcoin", "--format", "text", p, NULL}, tr);
    cr_assert_eq(c.status, 0);
    cr_assert_eq(t.status, 0);
    cr_assert_eq(c.out_len, t.out_len);
    cr_assert(memcmp(c.out, t.out, c.out_len) == 0);
    tu_run_free(&c);
    tu_run_free(&t);
    free(p);
}

/* Label CSV column names in upper case (CONFIDENCE, SOURCE: an 'I'... and a 'C'), categories
 * in upper case (MIXER, MINING, BLACKLISTED), assets in lower case (btc, eth) and an
 * Ethereum address in upper-case hex. */
Test(cli_locale, labels_names_fold_the_same_in_turkish)
{
    require_turkish();
    char *tmp = tu_tmpdir();
    char *csv = write_tmp(tmp, "labels.csv",
                          "ADDRESS,LABEL,CATEGORY,SOURCE,CONFIDENCE,ASSET\n"
                          "12t9YDPgwueZ9NyMgw519p7AA8isjr6SMw,Mixing service,MIXER,Istanbul "
                          "desk,90,btc\n"
                          "1BitcoinEaterAddressDontSendf59kuE,Pool,MINING,Istanbul desk,60,btc\n"
                          "0X8589427373D6D84E98730D7795D8F6F8731FDA16,Frozen,BLACKLISTED,"
                          "Istanbul desk,80,eth\n");
    const char *imp[] = {"labels", "import", csv, NULL};
    const char *const *setup[] = {imp, NULL};

    tu_run r;
    same_in_turkish(&r, setup,
                    (const char *[]){"labels", "show", "12t9YDPgwueZ9NyMgw519p7AA8isjr6SMw", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.out, "address       12t9YDPgwueZ9NyMgw519p7AA8isjr6SMw\n"
                            "attribution   mixer (stops a trace by default): Istanbul desk: "
                            "Mixing service\n"
                            "labels        1\n"
                            "  mixer       90  BTC   Istanbul desk: Mixing service\n");
    tu_run_free(&r);

    same_in_turkish(&r, setup,
                    (const char *[]){"labels", "show", "1BitcoinEaterAddressDontSendf59kuE", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.out, "address       1BitcoinEaterAddressDontSendf59kuE\n"
                            "attribution   miner (does not stop a trace by default): Istanbul "
                            "desk: Pool\n"
                            "labels        1\n"
                            "  miner       60  BTC   Istanbul desk: Pool\n");
    tu_run_free(&r);

    same_in_turkish(
        &r, setup,
        (const char *[]){"labels", "show", "0x8589427373d6d84e98730d7795d8f6f8731fda16", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.out, "address       0x8589427373d6d84e98730d7795d8f6f8731fda16\n"
                            "attribution   blocked (does not stop a trace by default): Istanbul "
                            "desk: Frozen\n"
                            "labels        1\n"
                            "  blocked     80  ETH   Istanbul desk: Frozen\n");
    tu_run_free(&r);
    free(csv);
    tu_rmtree(tmp);
    free(tmp);
}

/* Price columns found by name in any case: DATE and PRICE (--column price), LINK_USD for
 * --asset link; the asset is stored upper case. */
Test(cli_locale, price_columns_and_assets_fold_the_same_in_turkish)
{
    require_turkish();
    char *tmp = tu_tmpdir();
    char *a = write_tmp(tmp, "link.csv", "DATE,LINK_USD\n2021-05-10,44.12\n2021-05-11,41.07\n");
    char *b = write_tmp(tmp, "mir.csv", "Date,Volume,PRICE\n2021-05-10,1000,9.5\n");
    const char *ia[] = {"prices", "import", a, "--asset", "link", NULL};
    const char *ib[] = {"prices", "import", b, "--asset", "mir", "--column", "price", NULL};
    const char *const *setup[] = {ia, ib, NULL};
    tu_run r;
    same_in_turkish(
        &r, setup,
        (const char *[]){"prices", "show", "--asset", "LINK", "--date", "2021-05-11", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.out, "2021-05-11 LINK 41.07 USD (source 1)\n");
    tu_run_free(&r);
    same_in_turkish(
        &r, setup,
        (const char *[]){"prices", "show", "--asset", "Mir", "--date", "2021-05-10", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.out, "2021-05-10 MIR 9.50 USD (source 2)\n");
    tu_run_free(&r);
    free(a);
    free(b);
    tu_rmtree(tmp);
    free(tmp);
}

/* Names that are taken exactly stay exact in Turkish: an upper-case option, format or
 * command is refused the same way, with the same message, under both locales. */
Test(cli_locale, exact_names_are_refused_the_same_in_turkish)
{
    require_turkish();
    const char *const *const cmds[] = {
        (const char *[]){"decode", "bitcoin", "--FORMAT", "text", "x", NULL},
        (const char *[]){"decode", "bitcoin", "--format", "TEXT", "x", NULL},
        (const char *[]){"VERSION", NULL},
        (const char *[]){"labels", "import", "--category", "MIXER", "x.csv", NULL},
    };
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
        tu_run c, t;
        tu_exec(&c, cmds[i], NULL);
        tu_exec(&t, cmds[i], tr);
        cr_assert_eq(c.status, 2, "%zu: %s", i, c.err);
        cr_assert_eq(t.status, 2, "%zu: %s", i, t.err);
        cr_assert_str_eq(t.err, c.err);
        tu_run_free(&c);
        tu_run_free(&t);
    }
}
