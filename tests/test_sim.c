/* chaintrail-sim (tests/sim, docs/simulator.md): the tracer's results on simulated chains of
 * several seeds equal the simulator's ground truth exactly, in every model; the simulated
 * blocks decode through the library with merkle roots and proof of work verified, heights in
 * their coinbases, witness commitments right, linked headers and every script type; runs
 * are deterministic; the labels CSV imports with its exact count. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "chaintrail/bitcoin.h"
#include "base/hash.h"
#include "base/json.h"
#include "testutil.h"
#include "base/util.h"

/* Labelled addresses the simulator hands out: 4 exchanges x (32 deposit addresses + a hot
 * wallet), 4 mixer addresses, 1 bridge (docs/simulator.md, "Actors"). */
#define SIM_LABELS (4 * 33 + 4 + 1)

typedef struct sim_summary {
    uint64_t blocks, txs, bytes;
} sim_summary;

static char *path_join(const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 2;
    char *p = malloc(n);
    snprintf(p, n, "%s/%s", a, b);
    return p;
}

/* Runs chaintrail-sim into a fresh directory; returns it (malloc'd) and the summary. */
static char *run_sim(const char *seed, const char *txs, const char *const *extra, sim_summary *sum)
{
    char *dir = tu_tmpdir();
    char *out = path_join(dir, "sim");
    const char *args[16] = {"--seed", seed, "--txs", txs, "--out", out};
    size_t n = 6;
    for (size_t i = 0; extra && extra[i]; i++)
        args[n++] = extra[i];
    args[n] = NULL;
    tu_run r;
    tu_exec_bin(&r, CT_SIM_BIN, args, NULL);
    cr_assert_eq(r.status, 0, "chaintrail-sim failed: %s", r.err);
    cr_assert_eq(tu_count_lines(r.out), 1, "%s", r.out);
    cr_assert_eq(sscanf(r.out, "blocks=%" SCNu64 " txs=%" SCNu64 " bytes=%" SCNu64, &sum->blocks,
                        &sum->txs, &sum->bytes),
                 3, "summary: %s", r.out);
    tu_run_free(&r);
    free(out);
    return dir;
}

static void done_sim(char *dir)
{
    tu_rmtree(dir);
    free(dir);
}

static uint8_t *read_sim_file(const char *dir, const char *rel, size_t *len)
{
    char *p = malloc(strlen(dir) + strlen(rel) + 6);
    sprintf(p, "%s/sim/%s", dir, rel);
    uint8_t *d = tu_read_file(p, len);
    free(p);
    return d;
}

/* ---- JSON helpers over the project's strict parser ---- */
static uint32_t jget(const ct_json_doc *d, uint32_t obj, const char *key)
{
    uint32_t v = ct_json_get(d, obj, key);
    cr_assert_neq(v, 0, "member '%s' missing", key);
    return v;
}

/* A satoshi amount: a JSON number, or a decimal string beyond 2^53 (docs/trace.md). */
static uint64_t jsat(const ct_json_doc *d, uint32_t v)
{
    uint64_t x = 0;
    if (ct_json_type_of(d, v) == CT_JSON_STRING) {
        size_t n;
        const char *s = ct_json_raw(d, v, &n);
        for (size_t i = 0; i < n; i++)
            x = x * 10 + (uint64_t)(s[i] - '0');
        return x;
    }
    cr_assert_eq(ct_json_u64(d, v, &x), CT_OK);
    return x;
}

static uint64_t jnum(const ct_json_doc *d, uint32_t obj, const char *key)
{
    return jsat(d, jget(d, obj, key));
}

/* Node v as text (a string's content, or "null") into buf. */
static void jtext(const ct_json_doc *d, uint32_t v, char *buf, size_t cap)
{
    if (ct_json_type_of(d, v) == CT_JSON_NULL) {
        snprintf(buf, cap, "null");
        return;
    }
    ct_buf b;
    ct_buf_init(&b, 1 << 16);
    cr_assert_eq(ct_json_string(d, v, &b), CT_OK);
    snprintf(buf, cap, "%s", (const char *)b.data);
    ct_buf_release(&b);
}

static void jparse(ct_json_doc *d, const char *text, size_t len)
{
    ct_error err;
    ct_json_init(d);
    int rc = ct_json_parse(d, text, len, NULL, &err);
    cr_assert_eq(rc, CT_OK, "json: %s %s", err.reason, err.detail);
}

/* Finds the endpoint (address, category) in an endpoints array; 0 when absent. */
static uint32_t find_endpoint(const ct_json_doc *d, uint32_t arr, const char *addr, const char *cat)
{
    for (uint32_t e = ct_json_first(d, arr); e; e = ct_json_next(d, arr, e))
        if (ct_json_string_is(d, jget(d, e, "address"), addr) &&
            ct_json_string_is(d, jget(d, e, "category"), cat))
            return e;
    return 0;
}

static const char *const models[] = {"poison", "haircut", "fifo", "lifo", "tiho"};

/* Every number of the truth equals the trace's: per model source_sat, laundered_sat, the
 * categories (same set), every endpoint (same set, every field). Returns the number of
 * endpoints compared. */
static size_t compare(const ct_json_doc *tr, const ct_json_doc *tc)
{
    uint32_t tparams = jget(tr, 0, "parameters");
    uint32_t cparams = jget(tc, jget(tc, 0, "manifest"), "parameters");
    cr_assert_eq(jnum(tr, tparams, "hops"), jnum(tc, cparams, "hops"));
    cr_assert_eq(jnum(tr, tparams, "dust_sat"), jnum(tc, cparams, "dust_sat"));
    for (const char *const *k = (const char *const[]){"stop", "cashout", NULL}; *k; k++) {
        uint32_t a = jget(tr, tparams, *k), b = jget(tc, cparams, *k);
        cr_assert_eq(ct_json_count(tr, a), ct_json_count(tc, b), "%s", *k);
        for (uint32_t x = ct_json_first(tr, a), y = ct_json_first(tc, b); x;
             x = ct_json_next(tr, a, x), y = ct_json_next(tc, b, y)) {
            char s[64];
            jtext(tr, x, s, sizeof(s));
            cr_assert(ct_json_string_is(tc, y, s), "%s: %s", *k, s);
        }
    }
    cr_assert(ct_json_type_of(tc, jget(tc, 0, "complete")) == CT_JSON_TRUE);
    size_t compared = 0;
    uint32_t tm = jget(tr, 0, "models"), cm = jget(tc, 0, "models");
    for (size_t m = 0; m < 5; m++) {
        uint32_t a = jget(tr, tm, models[m]), b = jget(tc, cm, models[m]);
        uint64_t source = jnum(tr, a, "source_sat");
        cr_assert_eq(source, jnum(tc, b, "source_sat"), "%s source_sat", models[m]);
        cr_assert_eq(jnum(tr, a, "laundered_sat"), jnum(tc, b, "laundered_sat"), "%s laundered",
                     models[m]);
        uint32_t ta = jget(tr, a, "by_category"), ca = jget(tc, b, "by_category");
        cr_assert_eq(ct_json_count(tr, ta), ct_json_count(tc, ca), "%s categories", models[m]);
        uint64_t sum = 0;
        for (uint32_t k = ct_json_first(tr, ta); k; k = ct_json_next(tr, ta, k + 1)) {
            char cat[32];
            jtext(tr, k, cat, sizeof(cat));
            uint64_t want = jsat(tr, k + 1);
            cr_assert_eq(want, jnum(tc, jget(tc, ca, cat), "sat"), "%s %s", models[m], cat);
            sum += want;
        }
        if (m != 0)
            cr_assert_eq(sum, source, "%s does not conserve", models[m]);
        uint32_t te = jget(tr, a, "endpoints"), ce = jget(tc, b, "endpoints");
        cr_assert_eq(ct_json_count(tr, te), ct_json_count(tc, ce), "%s endpoints", models[m]);
        for (uint32_t e = ct_json_first(tr, te); e; e = ct_json_next(tr, te, e)) {
            char addr[128], cat[32], l1[160], l2[160];
            jtext(tr, jget(tr, e, "address"), addr, sizeof(addr));
            jtext(tr, jget(tr, e, "category"), cat, sizeof(cat));
            uint32_t f = find_endpoint(tc, ce, addr, cat);
            cr_assert_neq(f, 0, "%s: endpoint %s %s not in the trace", models[m], addr, cat);
            jtext(tr, jget(tr, e, "label"), l1, sizeof(l1));
            jtext(tc, jget(tc, f, "label"), l2, sizeof(l2));
            cr_assert_str_eq(l1, l2, "%s %s", models[m], addr);
            static const char *const fields[] = {"taint_sat",    "hops",       "outputs",
                                                 "first_height", "first_time", "last_height",
                                                 "last_time"};
            for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
                cr_assert_eq(jnum(tr, e, fields[i]), jnum(tc, f, fields[i]), "%s %s %s %s",
                             models[m], addr, cat, fields[i]);
            compared++;
        }
    }
    return compared;
}

/* The flows of a trace run with --poison-flows, in every model: each endpoint's taint is the
 * sum of the flows into it and its outputs their number; the fee flows add up to the fee
 * category; the totals per hop add up to every category. Returns the flows checked. */
static size_t check_flows(const ct_json_doc *tc)
{
    size_t checked = 0;
    uint32_t cm = jget(tc, 0, "models");
    for (size_t m = 0; m < 5; m++) {
        uint32_t b = jget(tc, cm, models[m]);
        uint32_t eps = jget(tc, b, "endpoints"), fl = jget(tc, b, "flows");
        uint32_t cats = jget(tc, b, "by_category"), hops = jget(tc, b, "hop_totals");
        size_t ne = ct_json_count(tc, eps);
        uint64_t *sum = calloc(ne + 1, sizeof(*sum)), *n = calloc(ne + 1, sizeof(*n));
        uint64_t fee = 0;
        for (uint32_t f = ct_json_first(tc, fl); f; f = ct_json_next(tc, fl, f)) {
            uint32_t e = jget(tc, f, "endpoint");
            uint64_t taint = jnum(tc, f, "taint_sat");
            cr_assert_gt(taint, 0);
            if (ct_json_type_of(tc, e) == CT_JSON_NULL) {
                if (ct_json_type_of(tc, jget(tc, f, "vout")) == CT_JSON_NULL)
                    fee += taint;
                else /* carried on: to the transaction that spent it */
                    cr_assert(ct_json_type_of(tc, jget(tc, f, "to")) == CT_JSON_STRING);
                continue;
            }
            uint64_t i = jsat(tc, e);
            cr_assert_lt(i, ne, "%s: flow to endpoint %llu", models[m], (unsigned long long)i);
            sum[i] += taint;
            n[i]++;
            checked++;
        }
        size_t i = 0;
        for (uint32_t e = ct_json_first(tc, eps); e; e = ct_json_next(tc, eps, e), i++) {
            char addr[128];
            jtext(tc, jget(tc, e, "address"), addr, sizeof(addr));
            cr_assert_eq(sum[i], jnum(tc, e, "taint_sat"), "%s: endpoint %s: flows in %llu",
                         models[m], addr, (unsigned long long)sum[i]);
            cr_assert_eq(n[i], jnum(tc, e, "outputs"), "%s: endpoint %s", models[m], addr);
        }
        uint32_t fc = ct_json_get(tc, cats, "fee");
        cr_assert_eq(fee, fc ? jnum(tc, fc, "sat") : 0, "%s: fee flows", models[m]);
        for (uint32_t k = ct_json_first(tc, cats); k; k = ct_json_next(tc, cats, k + 1)) {
            char cat[32];
            jtext(tc, k, cat, sizeof(cat));
            uint64_t per_hop = 0;
            for (uint32_t h = ct_json_first(tc, hops); h; h = ct_json_next(tc, hops, h))
                if (ct_json_string_is(tc, jget(tc, h, "to"), cat))
                    per_hop += jnum(tc, h, "taint_sat");
            cr_assert_eq(per_hop, jnum(tc, k + 1, "sat"), "%s: %s per hop", models[m], cat);
        }
        free(sum);
        free(n);
    }
    return checked;
}

/* Text fields, not pointers: Criterion hands the parameters to another process. */
typedef struct sim_case {
    char seed[8], txs[8];
    char hops[8], dust[16]; /* "": the defaults (10, 0) */
} sim_case;

ParameterizedTestParameters(sim, truth_equals_trace)
{
    static sim_case cases[] = {
        {"1", "3000", "", ""},
        {"2", "3000", "", ""},
        {"3", "4000", "", ""},
        {"7", "5000", "4", "100000"},
    };
    return cr_make_param_array(sim_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(sim_case *c, sim, truth_equals_trace)
{
    sim_summary sum;
    const char *extra[5] = {NULL};
    size_t ne = 0;
    if (c->hops[0])
        extra[ne++] = "--hops", extra[ne++] = c->hops;
    if (c->dust[0])
        extra[ne++] = "--dust", extra[ne++] = c->dust;
    char *dir = run_sim(c->seed, c->txs, extra, &sum);
    cr_assert_eq(sum.txs, strtoull(c->txs, NULL, 10));
    char *out = path_join(dir, "sim");
    char *blocks = path_join(out, "blocks"), *labels = path_join(out, "labels.csv");
    char *db = path_join(dir, "db");
    tu_run r;
    tu_exec(&r,
            (const char *[]){"--db", db, "ingest", "bitcoin", "--network", "regtest", blocks, NULL},
            NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    char want[128];
    snprintf(want, sizeof(want), "%" PRIu64 " blocks read, %" PRIu64 " connected", sum.blocks,
             sum.blocks);
    cr_assert(strstr(r.err, want), "%s", r.err);
    snprintf(want, sizeof(want), "; %" PRIu64 " transactions;", sum.txs);
    cr_assert(strstr(r.err, want), "%s", r.err);
    tu_run_free(&r);

    /* the labels import with the exact count */
    size_t llen;
    uint8_t *csv = read_sim_file(dir, "labels.csv", &llen);
    cr_assert_eq(tu_count_lines((char *)csv), SIM_LABELS + 1);
    free(csv);
    tu_exec(&r, (const char *[]){"--db", db, "labels", "import", labels, NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    snprintf(want, sizeof(want),
             "%d labels read: %d added, 0 already present, 0 updated, 0 rejected", SIM_LABELS,
             SIM_LABELS);
    cr_assert(strstr(r.err, want), "%s", r.err);
    tu_run_free(&r);

    size_t tlen;
    char *truth = (char *)read_sim_file(dir, "truth.json", &tlen);
    cr_assert_not_null(truth);
    ct_json_doc tr, tc;
    jparse(&tr, truth, tlen);
    cr_assert_eq(jnum(&tr, 0, "txs"), sum.txs);
    cr_assert_eq(jnum(&tr, 0, "blocks"), sum.blocks);
    uint32_t srcs = jget(&tr, 0, "sources");
    cr_assert_eq(ct_json_count(&tr, srcs), 1);
    char source[80], hops[24], dust[24];
    jtext(&tr, ct_json_first(&tr, srcs), source, sizeof(source));
    uint32_t params = jget(&tr, 0, "parameters");
    snprintf(hops, sizeof(hops), "%" PRIu64, jnum(&tr, params, "hops"));
    snprintf(dust, sizeof(dust), "%" PRIu64, jnum(&tr, params, "dust_sat"));
    cr_assert_str_eq(hops, c->hops[0] ? c->hops : "10");
    cr_assert_str_eq(dust, c->dust[0] ? c->dust : "0");

    /* the stolen outputs are the theft's outputs, and their value is what enters the trace */
    uint32_t stolen = jget(&tr, 0, "stolen_outputs");
    cr_assert_geq(ct_json_count(&tr, stolen), 8);
    uint64_t stolen_sat = 0, vout = 0;
    for (uint32_t o = ct_json_first(&tr, stolen); o; o = ct_json_next(&tr, stolen, o), vout++) {
        cr_assert(ct_json_string_is(&tr, jget(&tr, o, "txid"), source));
        cr_assert_eq(jnum(&tr, o, "vout"), vout);
        stolen_sat += jnum(&tr, o, "value_sat");
    }

    tu_exec(&r,
            (const char *[]){"--db", db, "trace", "--from", source, "--hops", hops, "--dust", dust,
                             "--format", "json", "--poison-flows", NULL},
            NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    jparse(&tc, r.out, r.out_len);
    size_t n = compare(&tr, &tc);
    cr_assert_geq(check_flows(&tc), n, "a flow into every endpoint compared");
    uint32_t tm = jget(&tr, 0, "models");
    for (size_t m = 0; m < 5; m++)
        cr_assert_eq(jnum(&tr, jget(&tr, tm, models[m]), "source_sat"), stolen_sat);
    /* The laundering reached every kind of endpoint (a truth that stops at once would
     * prove little): poison meets exchanges, the mixer, the bridge, unspent coins and the
     * hop limit. */
    uint32_t pc = jget(&tr, jget(&tr, tm, "poison"), "by_category");
    for (const char *const *k = (const char *const[]){"exchange", "mixer", "bridge", "unspent",
                                                      "hop_limit", "fee", NULL};
         *k; k++)
        cr_assert_neq(ct_json_get(&tr, pc, *k), 0, "no %s in poison", *k);
    cr_assert_gt(n, 100, "only %zu endpoints compared", n);
    if (c->dust[0])
        cr_assert_neq(ct_json_get(&tr, pc, "dust"), 0, "no dust endpoint with --dust");
    ct_json_release(&tr);
    ct_json_release(&tc);
    tu_run_free(&r);
    free(truth);
    free(out), free(blocks), free(labels), free(db);
    done_sim(dir);
}

/* The blocks: framing, header links, merkle roots and PoW through the library's decoder,
 * BIP34 heights, witness commitments, subsidy + fees, every script type. */
Test(sim, blocks_decode_and_verify)
{
    sim_summary sum;
    char *dir = run_sim("5", "4000", NULL, &sum);
    const ct_btc_params *net = ct_btc_params_get("regtest");
    uint64_t blocks = 0, txs = 0, bytes = 0;
    uint64_t types[16] = {0};
    uint8_t prev[32] = {0};
    ct_btc_block blk;
    ct_btc_block_init(&blk);
    for (unsigned f = 0;; f++) {
        char rel[32];
        snprintf(rel, sizeof(rel), "blocks/blk%05u.dat", f);
        size_t len;
        uint8_t *d = read_sim_file(dir, rel, &len);
        if (!d)
            break;
        bytes += len;
        for (size_t o = 0; o < len;) {
            cr_assert_leq(o + 8, len);
            cr_assert_eq(memcmp(d + o, net->magic, 4), 0);
            uint32_t size = ct_le32(d + o + 4);
            cr_assert_leq(o + 8 + size, len);
            ct_error err;
            int rc = ct_btc_block_decode(&blk, d + o + 8, size, net, CT_BTC_WTXID, &err);
            cr_assert_eq(rc, CT_OK, "block %" PRIu64 ": %s %s", blocks, err.reason, err.detail);
            cr_assert_eq(memcmp(blk.header.prev_hash, prev, 32), 0, "block %" PRIu64 " not linked",
                         blocks);
            memcpy(prev, blk.hash, 32);
            if (blocks == 0) {
                cr_assert_eq(memcmp(blk.hash, net->genesis, 32), 0);
            } else {
                cr_assert_eq(blk.bip34_height, (int64_t)blocks);
                /* witness commitment: SHA256d(merkle root of wtxids, coinbase's zero || 32
                 * zero bytes), in the coinbase's last aa21a9ed output */
                uint8_t(*w)[32] = calloc(blk.n_tx, 32);
                for (uint32_t i = 1; i < blk.n_tx; i++)
                    memcpy(w[i], blk.tx[i].wtxid, 32);
                for (uint32_t n = blk.n_tx; n > 1; n = (n + 1) / 2)
                    for (uint32_t i = 0; i < n; i += 2)
                        ct_sha256d_pair(w[i / 2], w[i], w[i + 1 < n ? i + 1 : i]);
                uint8_t in[64] = {0}, commit[32];
                memcpy(in, w[0], 32);
                free(w);
                ct_sha256d(commit, in, 64);
                const ct_btc_tx *cb = &blk.tx[0];
                const ct_btc_txout *co = &cb->out[cb->n_out - 1];
                cr_assert_eq(co->script_len, 38);
                cr_assert_eq(memcmp(co->script, "\x6a\x24\xaa\x21\xa9\xed", 6), 0);
                cr_assert_eq(memcmp(co->script + 6, commit, 32), 0, "commitment of block %" PRIu64,
                             blocks);
                /* the coinbase claims the subsidy (regtest halves every 150) and the fees */
                uint64_t subsidy = 5000000000ULL >> (blocks / 150);
                cr_assert_geq(cb->out_total, subsidy);
                for (uint32_t i = 1; i < blk.n_tx; i++)
                    for (uint32_t j = 0; j < blk.tx[i].n_out; j++) {
                        ct_btc_dest dst;
                        cr_assert_eq(ct_btc_script_dest(&dst, blk.tx[i].out[j].script,
                                                        blk.tx[i].out[j].script_len, net),
                                     CT_OK);
                        types[dst.type]++;
                    }
            }
            txs += blk.n_tx;
            blocks++;
            o += 8 + size;
        }
        free(d);
    }
    ct_btc_block_release(&blk);
    cr_assert_eq(blocks, sum.blocks);
    cr_assert_eq(txs, sum.txs);
    cr_assert_eq(txs, 4000);
    cr_assert_eq(bytes, sum.bytes);
    /* the script types seen on mainnet */
    ct_btc_script_type want[] = {CT_BTC_P2PKH, CT_BTC_P2SH, CT_BTC_P2WPKH,
                                 CT_BTC_P2WSH, CT_BTC_P2TR, CT_BTC_P2PK};
    for (size_t i = 0; i < 6; i++)
        cr_assert_gt(types[want[i]], 0, "no %s output", ct_btc_script_type_name(want[i]));
    cr_assert_eq(types[CT_BTC_NONSTANDARD], 0);
    done_sim(dir);
}

/* Three independent computations on one small chain: the simulator's truth, the older
 * Python reference (tests/tools/taint_reference.py --sim) and `chaintrail trace` agree on
 * every model's source_sat and categories. */
Test(sim, python_reference_agrees)
{
    sim_summary sum;
    char *dir = run_sim("9", "3000", NULL, &sum);
    char *out = path_join(dir, "sim");
    size_t tlen;
    char *truth = (char *)read_sim_file(dir, "truth.json", &tlen);
    ct_json_doc tr, py, tc;
    jparse(&tr, truth, tlen);
    char source[80];
    jtext(&tr, ct_json_first(&tr, jget(&tr, 0, "sources")), source, sizeof(source));
    tu_run p;
    tu_exec_bin(&p, CT_PYTHON3,
                (const char *[]){CT_TOOLS "/taint_reference.py", "--sim", out, source, NULL}, NULL);
    cr_assert_eq(p.status, 0, "%s", p.err);
    jparse(&py, p.out, p.out_len);

    char *blocks = path_join(out, "blocks"), *labels = path_join(out, "labels.csv");
    char *db = path_join(dir, "db");
    tu_run r;
    tu_exec(&r,
            (const char *[]){"--db", db, "ingest", "bitcoin", "--network", "regtest", "--quiet",
                             blocks, NULL},
            NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
    tu_exec(&r, (const char *[]){"--db", db, "labels", "import", labels, NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
    tu_exec(&r, (const char *[]){"--db", db, "trace", "--from", source, NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    jparse(&tc, r.out, r.out_len);

    uint32_t tm = jget(&tr, 0, "models"), cm = jget(&tc, 0, "models");
    for (size_t m = 0; m < 5; m++) {
        uint32_t a = jget(&tr, tm, models[m]), b = jget(&py, 0, models[m]);
        uint32_t c = jget(&tc, cm, models[m]);
        cr_assert_eq(jnum(&tr, a, "source_sat"), jnum(&py, b, "source_sat"), "%s", models[m]);
        cr_assert_eq(jnum(&tc, c, "source_sat"), jnum(&py, b, "source_sat"), "%s", models[m]);
        uint32_t ta = jget(&tr, a, "by_category"), pa = jget(&py, b, "by_category");
        uint32_t ca = jget(&tc, c, "by_category");
        cr_assert_eq(ct_json_count(&tr, ta), ct_json_count(&py, pa), "%s", models[m]);
        cr_assert_eq(ct_json_count(&tc, ca), ct_json_count(&py, pa), "%s", models[m]);
        for (uint32_t k = ct_json_first(&py, pa); k; k = ct_json_next(&py, pa, k + 1)) {
            char cat[32];
            jtext(&py, k, cat, sizeof(cat));
            uint64_t want = jsat(&py, k + 1);
            cr_assert_eq(jnum(&tr, ta, cat), want, "%s %s", models[m], cat);
            cr_assert_eq(jnum(&tc, jget(&tc, ca, cat), "sat"), want, "%s %s", models[m], cat);
        }
    }
    cr_assert_neq(ct_json_get(&py, jget(&py, 0, "fifo"), "by_category"), 0);
    ct_json_release(&tr);
    ct_json_release(&py);
    ct_json_release(&tc);
    tu_run_free(&p);
    tu_run_free(&r);
    free(truth), free(out), free(blocks), free(labels), free(db);
    done_sim(dir);
}

static void assert_same_file(const char *a, const char *b, const char *rel, bool same)
{
    size_t la, lb;
    uint8_t *x = read_sim_file(a, rel, &la), *y = read_sim_file(b, rel, &lb);
    cr_assert_not_null(x, "%s", rel);
    cr_assert_not_null(y, "%s", rel);
    bool eq = la == lb && memcmp(x, y, la) == 0;
    cr_assert_eq(eq, same, "%s: %s", rel, same ? "differs" : "identical");
    free(x);
    free(y);
}

Test(sim, deterministic)
{
    sim_summary s1, s2, s3;
    char *a = run_sim("42", "1500", NULL, &s1);
    char *b = run_sim("42", "1500", NULL, &s2);
    char *c = run_sim("43", "1500", NULL, &s3);
    assert_same_file(a, b, "blocks/blk00000.dat", true);
    assert_same_file(a, b, "labels.csv", true);
    assert_same_file(a, b, "truth.json", true);
    cr_assert_eq(s1.bytes, s2.bytes);
    assert_same_file(a, c, "blocks/blk00000.dat", false);
    assert_same_file(a, c, "truth.json", false);
    assert_same_file(a, c, "labels.csv", false); /* keys come from the seed */
    done_sim(a);
    done_sim(b);
    done_sim(c);
}

Test(sim, usage_errors)
{
    tu_run r;
    tu_exec_bin(&r, CT_SIM_BIN, (const char *[]){"--seed", "1", "--txs", "3000", NULL}, NULL);
    cr_assert_eq(r.status, 2);
    cr_assert(strstr(r.err, "usage: chaintrail-sim"), "%s", r.err);
    tu_run_free(&r);
    tu_exec_bin(&r, CT_SIM_BIN,
                (const char *[]){"--seed", "x1", "--txs", "3000", "--out", "/tmp", NULL}, NULL);
    cr_assert_eq(r.status, 2);
    cr_assert(strstr(r.err, "bad value for --seed: 'x1'"), "%s", r.err);
    tu_run_free(&r);
    tu_exec_bin(&r, CT_SIM_BIN,
                (const char *[]){"--seed", "1", "--txs", "999", "--out", "/tmp", NULL}, NULL);
    cr_assert_eq(r.status, 2);
    cr_assert(strstr(r.err, "--txs must be between 1000"), "%s", r.err);
    tu_run_free(&r);
    tu_exec_bin(&r, CT_SIM_BIN,
                (const char *[]){"--seed", "1", "--txs", "1000", "--out", "/proc/nope", NULL},
                NULL);
    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.err, "cannot create '/proc/nope'"), "%s", r.err);
    tu_run_free(&r);
}
