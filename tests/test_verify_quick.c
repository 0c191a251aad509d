/* The startup self-check of bad-inputs.md S12: ct_graph_verify_recent and `verify --quick`
 * on the real first 4,313 mainnet blocks. It passes on the intact database (over the last
 * 6 blocks, and over the whole chain), and finds one garbled or missing recent row of each
 * kind: a block row, a row above the tip, a transaction row, an output's value, a history
 * row, a totals row, a spend link of a recent output, an input's spend link (with --blocks
 * reaching block 170), the counters; each is restored and the check passes again. Damage
 * older than the blocks checked is left to the full verify, which still finds it. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chaintrail/chaintrail.h"
#include "db/schema.h"
#include "testutil.h"

#define TX9   "0437cd7f8525ceed2324359c2d0ba26006d92d856a9c20fa0241106ee5a597c9"
#define TX170 "f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16"

static int quick(const char *dir, uint32_t blocks, ct_graph_verify_report *rep, ct_error *err)
{
    ct_db *db = tu_db_open(dir, false);
    ct_error_clear(err);
    int rc = ct_graph_verify_recent(db, blocks, rep, err);
    ct_db_close(db);
    return rc;
}

static int full(const char *dir, ct_graph_verify_report *rep)
{
    ct_db *db = tu_db_open(dir, false);
    int rc = ct_graph_verify(db, rep, NULL);
    ct_db_close(db);
    return rc;
}

static uint64_t txnum_of(const char *dir, const char *txid_hex)
{
    uint8_t k[33], v[8];
    k[0] = CT_T_TXID;
    cr_assert_eq(ct_hash_from_hex(k + 1, txid_hex), CT_OK);
    cr_assert_eq(tu_db_peek(dir, k, 33, v, 8), 8);
    return ct_be64(v);
}

static void key_hex(char *out, const uint8_t *k, size_t kl)
{
    ct_hex_encode(out, k, kl);
}

/* Asserts exactly one violation: of `check`, on key k (NULL: none), with this detail. */
static void one_violation(const ct_graph_verify_report *rep, int check, const uint8_t *k, size_t kl,
                          const char *detail)
{
    cr_assert_eq(rep->violations, 1, "%llu violations, first: %s",
                 (unsigned long long)rep->violations, rep->n_listed ? rep->listed[0].detail : "");
    cr_assert_eq(rep->listed[0].check, check, "%s", rep->listed[0].detail);
    char kh[200] = "";
    if (k)
        key_hex(kh, k, kl);
    cr_assert_str_eq(rep->listed[0].key, kh);
    cr_assert_str_eq(rep->listed[0].detail, detail);
}

/* A row saved, damaged with `val` (NULL: deleted), then put back by restore(). */
typedef struct saved {
    uint8_t k[64];
    size_t kl;
    uint8_t v[256];
    long vl;
} saved;

static void damage(const char *dir, saved *s, const uint8_t *k, size_t kl, const void *val,
                   size_t vl)
{
    memcpy(s->k, k, kl);
    s->kl = kl;
    s->vl = tu_db_peek(dir, k, kl, s->v, sizeof(s->v));
    tu_db_poke(dir, k, kl, val, vl);
}

static void restore(const char *dir, const saved *s)
{
    tu_db_poke(dir, s->k, s->kl, s->vl >= 0 ? s->v : NULL, s->vl >= 0 ? (size_t)s->vl : 0);
    ct_graph_verify_report rep;
    ct_error err;
    cr_assert_eq(quick(dir, 6, &rep, &err), CT_OK, "after restoring: %s",
                 rep.n_listed ? rep.listed[0].detail : err.detail);
}

Test(verify_quick, passes_on_the_first_4313_blocks)
{
    char *dir = tu_db_first_4313();
    ct_graph_verify_report rep;
    ct_error err;
    cr_assert_eq(quick(dir, 6, &rep, &err), CT_OK, "%s", err.detail);
    cr_assert(rep.quick);
    cr_assert_eq(rep.blocks_checked, 6);
    cr_assert_eq(rep.first_height, 4307);
    cr_assert_eq(rep.last_height, 4312);
    /* 6 blocks of one coinbase each: 6 n, 6 x and 6 o rows, and the counters row; the
     * summary's count is the rows check's (before, it left out the counters row: 18) */
    cr_assert_eq(rep.rows_checked, 19);
    cr_assert_eq(rep.checks[CT_CHECK_ROWS].checked, 19);
    cr_assert_eq(rep.checks[CT_CHECK_BLOCKS].checked, 7);
    cr_assert_eq(rep.checks[CT_CHECK_TXS].checked, 7);
    cr_assert_eq(rep.checks[CT_CHECK_HISTORY].checked, 6);
    cr_assert_eq(rep.checks[CT_CHECK_TOTALS].checked, 6);
    cr_assert_eq(rep.checks[CT_CHECK_COUNTERS].checked, 9);
    cr_assert_eq(rep.violations, 0);
    /* the whole chain: every row of the four tables, still no violation */
    for (uint32_t n = 4313; n <= 4314; n++) {
        cr_assert_eq(quick(dir, n, &rep, &err), CT_OK, "%s", err.detail);
        cr_assert_eq(rep.first_height, 0);
        cr_assert_eq(rep.blocks_checked, 4313);
        /* 4313 n + 4371 x + 247 i + 4397 o rows and the counters row */
        cr_assert_eq(rep.rows_checked, 4313 + 4371 + 247 + 4397 + 1);
        cr_assert_eq(rep.checks[CT_CHECK_ROWS].checked, rep.rows_checked);
        cr_assert_eq(rep.checks[CT_CHECK_INPUTS].checked, 247);
        cr_assert_eq(rep.checks[CT_CHECK_SPENDS].checked, 247);
    }
    cr_assert_eq(quick(dir, 0, &rep, &err), CT_EINVAL);
    tu_fresh_db_done(dir); /* the database and its temporary directory */
}

Test(verify_quick, finds_each_kind_of_garbled_recent_row)
{
    char *dir = tu_db_first_4313();
    ct_graph_verify_report rep;
    ct_error err;
    saved s;
    /* the tip's coinbase: txnum 4371, one output of 50 BTC to one address */
    const uint64_t t = 4371;
    uint8_t k[64], v[256];
    ct_key_u64_u32(k, CT_T_OUTPUT, t, 0);
    long vl = tu_db_peek(dir, k, 13, v, sizeof(v));
    cr_assert_gt(vl, 0);
    ct_row_output out;
    cr_assert_eq(ct_row_output_decode(&out, v, (size_t)vl, NULL), CT_OK);
    cr_assert_eq(out.value, 5000000000ull);
    const uint64_t a = out.addrid;
    char detail[256];

    /* 1. the output's value changed by one satoshi: its history row says otherwise */
    out.value++;
    size_t ol = ct_row_output_encode(v, &out);
    damage(dir, &s, k, 13, v, ol);
    cr_assert_eq(quick(dir, 6, &rep, &err), CT_EDBCORRUPT);
    cr_assert_str_eq(err.reason, "invariant-violated");
    cr_assert_str_eq(err.detail, "1 invariant violation in the last 6 blocks");
    uint8_t yk[22];
    ct_key_history(yk, a, t, CT_GRAPH_RECEIVED, 0);
    one_violation(&rep, CT_CHECK_HISTORY, yk, 22,
                  "history row of output 4371:0 does not say 5000000001 sat");
    restore(dir, &s);

    /* 2. its history row deleted */
    damage(dir, &s, yk, 22, NULL, 0);
    cr_assert_eq(quick(dir, 6, &rep, &err), CT_EDBCORRUPT);
    snprintf(detail, sizeof detail, "output 4371:0 of address %llu has no history row",
             (unsigned long long)a);
    one_violation(&rep, CT_CHECK_HISTORY, k, 13, detail);
    restore(dir, &s);

    /* 3. the totals row of its address says its last transaction is an earlier one */
    uint8_t wk[9];
    ct_key_u64(wk, CT_T_TOTALS, a);
    vl = tu_db_peek(dir, wk, 9, v, sizeof(v));
    ct_row_totals tot;
    cr_assert_eq(ct_row_totals_decode(&tot, v, (size_t)vl, NULL), CT_OK);
    cr_assert_eq(tot.last_txnum, t);
    tot.first_txnum = tot.last_txnum = t - 1;
    ct_row_totals_encode(v, &tot);
    damage(dir, &s, wk, 9, v, CT_ROW_TOTALS_SIZE);
    cr_assert_eq(quick(dir, 6, &rep, &err), CT_EDBCORRUPT);
    snprintf(detail, sizeof detail,
             "address %llu: its totals say transactions 4370..4370, but output 4371:0 is its",
             (unsigned long long)a);
    one_violation(&rep, CT_CHECK_TOTALS, wk, 9, detail);
    restore(dir, &s);

    /* 4. the transaction row cut to 10 bytes */
    uint8_t xk[9];
    ct_key_u64(xk, CT_T_TX, t);
    vl = tu_db_peek(dir, xk, 9, v, sizeof(v));
    damage(dir, &s, xk, 9, v, 10);
    cr_assert_eq(quick(dir, 6, &rep, &err), CT_EDBCORRUPT);
    cr_assert_eq(rep.checks[CT_CHECK_ROWS].failed, 1);
    cr_assert_eq(rep.listed[0].check, CT_CHECK_ROWS);
    cr_assert_str_eq(rep.listed[0].detail, "transaction row of 10 bytes");
    restore(dir, &s);

    /* 5. the block row at height 4310 deleted */
    uint8_t nk[5];
    ct_key_u32(nk, CT_T_HEIGHT, 4310);
    damage(dir, &s, nk, 5, NULL, 0);
    cr_assert_eq(quick(dir, 6, &rep, &err), CT_EDBCORRUPT);
    cr_assert_gt(rep.checks[CT_CHECK_BLOCKS].failed, 0);
    ct_key_u32(k, CT_T_HEIGHT, 4311);
    char kh[64];
    key_hex(kh, k, 5);
    cr_assert_str_eq(rep.listed[0].key, kh);
    cr_assert_str_eq(rep.listed[0].detail, "block at height 4311 where 4310 was expected");
    restore(dir, &s);

    /* 6. a block row above the tip (a copy of the tip's) */
    ct_key_u32(nk, CT_T_HEIGHT, 4312);
    vl = tu_db_peek(dir, nk, 5, v, sizeof(v));
    ct_key_u32(nk, CT_T_HEIGHT, 4313);
    damage(dir, &s, nk, 5, v, (size_t)vl);
    cr_assert_eq(quick(dir, 6, &rep, &err), CT_EDBCORRUPT);
    cr_assert_eq(rep.violations, 2, "%s", rep.listed[0].detail);
    cr_assert_str_eq(rep.listed[0].detail,
                     "the header of the block at height 4313 says status 1, height 4312");
    cr_assert_str_eq(rep.listed[1].detail,
                     "the tip row says height 4312; the highest block is 4313");
    restore(dir, &s);

    /* 7. a spend link of the tip's output, naming an input that does not exist */
    uint8_t sk[13], sv[CT_ROW_SPEND_SIZE];
    ct_row_spend sp = {t + 1, 0};
    ct_key_u64_u32(sk, CT_T_SPEND, t, 0);
    ct_row_spend_encode(sv, &sp);
    damage(dir, &s, sk, 13, sv, sizeof(sv));
    cr_assert_eq(quick(dir, 6, &rep, &err), CT_EDBCORRUPT);
    one_violation(&rep, CT_CHECK_SPENDS, sk, 13, "names input 4372:0, which does not exist");
    restore(dir, &s);

    /* 8. the counters: one transaction too many */
    uint8_t ck[16], cv[CT_COUNTERS_SIZE];
    size_t ckl = ct_key_meta(ck, "counters");
    cr_assert_eq(tu_db_peek(dir, ck, ckl, cv, sizeof(cv)), CT_COUNTERS_SIZE);
    ct_counters c;
    cr_assert_eq(ct_counters_decode(&c, cv, sizeof(cv), NULL), CT_OK);
    c.txs++;
    ct_counters_encode(cv, &c);
    damage(dir, &s, ck, ckl, cv, sizeof(cv));
    cr_assert_eq(quick(dir, 6, &rep, &err), CT_EDBCORRUPT);
    one_violation(&rep, CT_CHECK_COUNTERS, ck, ckl,
                  "counter txs is 4372; the recent blocks say 4371");
    restore(dir, &s);

    /* 9. the spend link of the block-9 coinbase output, spent in block 170: found once the
     * blocks checked reach 170 (4312 - 170 + 1 = 4143 blocks), not with the last 6 */
    uint64_t t9 = txnum_of(dir, TX9), t170 = txnum_of(dir, TX170);
    ct_key_u64_u32(sk, CT_T_SPEND, t9, 0);
    damage(dir, &s, sk, 13, NULL, 0);
    cr_assert_eq(quick(dir, 6, &rep, &err), CT_OK);
    cr_assert_eq(quick(dir, 4142, &rep, &err), CT_OK);
    cr_assert_eq(quick(dir, 4143, &rep, &err), CT_EDBCORRUPT);
    cr_assert_eq(rep.first_height, 170);
    uint8_t ik[13];
    ct_key_u64_u32(ik, CT_T_INPUT, t170, 0);
    snprintf(detail, sizeof detail, "output %llu:0 has no spend link", (unsigned long long)t9);
    one_violation(&rep, CT_CHECK_INPUTS, ik, 13, detail);
    /* the full verify finds it too, with what follows from it */
    cr_assert_eq(full(dir, &rep), CT_EDBCORRUPT);
    cr_assert_eq(rep.checks[CT_CHECK_INPUTS].failed, 1);
    restore(dir, &s);
    tu_fresh_db_done(dir); /* the database and its temporary directory */
}

/* ---- the command ---- */

Test(verify_quick, command_text_json_and_exit_codes)
{
    char *dir = tu_db_first_4313();
    tu_run r;
    tu_exec(&r, (const char *[]){"--db", dir, "verify", "--quick", NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.err, "");
    cr_assert(strstr(r.out, "ok      blocks              7 checked  (heights 0..tip"), "%s", r.out);
    const char *last = r.out + r.out_len;
    while (last > r.out && last[-1] == '\n')
        last--;
    while (last > r.out && last[-1] != '\n')
        last--;
    cr_assert_str_eq(last, "quick: the last 6 blocks (heights 4307..4312), 19 rows; no digest\n");
    cr_assert_null(strstr(r.out, "digest "), "%s", r.out);
    cr_assert_null(strstr(r.out, "ethereum"), "%s", r.out);
    /* docs/verify.md's example is this output, byte for byte (before, its summary said 18
     * rows under a rows check of 19, and it had no clusters line) */
    char *doc_path = tu_fixture("../docs/verify.md");
    size_t doc_len;
    char *doc = (char *)tu_read_file(doc_path, &doc_len);
    cr_assert_not_null(doc);
    const char *ex = strstr(doc, "\n$ chaintrail verify --quick\n");
    cr_assert_not_null(ex, "no example in docs/verify.md");
    ex = strchr(ex + 1, '\n') + 1;
    const char *end = strstr(ex, "```");
    cr_assert_not_null(end);
    cr_assert_eq((size_t)(end - ex), r.out_len, "docs:\n%.*s\noutput:\n%s", (int)(end - ex), ex,
                 r.out);
    cr_assert_eq(memcmp(ex, r.out, r.out_len), 0, "docs:\n%.*s\noutput:\n%s", (int)(end - ex), ex,
                 r.out);
    free(doc);
    free(doc_path);
    tu_run_free(&r);

    tu_exec(&r,
            (const char *[]){"--db", dir, "verify", "--quick", "--blocks", "2", "--format", "json",
                             NULL},
            NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(
        r.out, "{\"ok\":true,\"violations\":0,\"checks\":[{\"name\":\"rows\",\"checked\":7,"
               "\"failed\":0},{\"name\":\"blocks\",\"checked\":3,\"failed\":0},{\"name\":\"txs\","
               "\"checked\":3,\"failed\":0},{\"name\":\"inputs\",\"checked\":0,\"failed\":0},"
               "{\"name\":\"spends\",\"checked\":0,\"failed\":0},{\"name\":\"tx-shape\","
               "\"checked\":3,\"failed\":0},{\"name\":\"addresses\",\"checked\":4,\"failed\":0},"
               "{\"name\":\"history\",\"checked\":2,\"failed\":0},{\"name\":\"totals\","
               "\"checked\":2,\"failed\":0},{\"name\":\"counters\",\"checked\":9,\"failed\":0},"
               "{\"name\":\"clusters\",\"checked\":0,\"failed\":0}],"
               "\"listed\":[],\"quick\":{\"blocks\":2,\"first_height\":4311,\"last_height\":4312,"
               "\"rows\":7},\"digest\":null}\n");
    tu_run_free(&r);

    /* a recent output's history row deleted: exit 4, the row named */
    uint8_t k[13], v[64], yk[22];
    ct_key_u64_u32(k, CT_T_OUTPUT, 4371, 0);
    long vl = tu_db_peek(dir, k, 13, v, sizeof(v));
    ct_row_output out;
    cr_assert_eq(ct_row_output_decode(&out, v, (size_t)vl, NULL), CT_OK);
    tu_db_poke(dir, yk, ct_key_history(yk, out.addrid, 4371, CT_GRAPH_RECEIVED, 0), NULL, 0);
    tu_exec(&r, (const char *[]){"--db", dir, "verify", "--quick", NULL}, NULL);
    cr_assert_eq(r.status, 4, "%s", r.err);
    cr_assert_str_eq(r.err, "chaintrail: verify: 1 invariant violation in the last 6 blocks: the "
                            "database is corrupt\n");
    char want[200], kh[27];
    ct_hex_encode(kh, k, 13);
    snprintf(want, sizeof want,
             "violation history %s: output 4371:0 of address %llu has no history row\n", kh,
             (unsigned long long)out.addrid);
    cr_assert(strstr(r.out, "FAILED  history             6 checked, 1 failed"), "%s", r.out);
    cr_assert(strstr(r.out, want), "%s", r.out);
    tu_run_free(&r);

    /* usage */
    static const struct {
        const char *a, *b, *c, *msg;
    } bad[] = {
        {"--blocks", "3", NULL, "chaintrail: verify: --blocks needs --quick\n"},
        {"--quick", "--blocks", "0",
         "chaintrail: verify: option '--blocks': '0' is not a whole number from 1 to "
         "4294967295\n"},
        {"--quick", "--blocks", "4294967296",
         "chaintrail: verify: option '--blocks': '4294967296' is not a whole number from 1 "
         "to 4294967295\n"},
    };
    for (size_t i = 0; i < 3; i++) {
        tu_exec(&r, (const char *[]){"--db", dir, "verify", bad[i].a, bad[i].b, bad[i].c, NULL},
                NULL);
        cr_assert_eq(r.status, 2, "%zu: %s", i, r.err);
        cr_assert_str_eq(r.err, bad[i].msg);
        tu_run_free(&r);
    }
    tu_fresh_db_done(dir); /* the database and its temporary directory */

    /* an empty database */
    char *e = tu_fresh_db();
    ct_db_close(tu_db_open(e, true));
    tu_exec(&r, (const char *[]){"--db", e, "verify", "--quick", NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "quick: no block; no digest\n"), "%s", r.out);
    tu_run_free(&r);
    tu_fresh_db_done(e);
}
