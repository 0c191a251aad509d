/* chaintrail-sim (tests/sim, docs/simulator.md): the tracer's results on simulated chains of
 * several seeds equal the simulator's ground truth exactly, in every model; the simulated
 * blocks decode through the library with merkle roots and proof of work verified, heights in
 * their coinbases, witness commitments right, linked headers and every script type; runs
 * are deterministic; the labels CSV imports with its exact count. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "chaintrail/bitcoin.h"
#include "chaintrail/chaintrail.h"
#include "base/hash.h"
#include "base/json.h"
#include "testutil.h"
#include "base/util.h"
#include "base/hmap.h"
#include "cluster/detect.h"

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
            /* a stop on a cluster's label names the member carrying it (truth_clusters) */
            uint32_t tmem = ct_json_get(tr, e, "label_member");
            uint32_t cmem = ct_json_get(tc, f, "label_member");
            if (tmem) {
                jtext(tr, tmem, l1, sizeof(l1));
                cr_assert(cmem && ct_json_string_is(tc, cmem, l1), "%s %s: label_member %s",
                          models[m], addr, l1);
            } else if (cmem) {
                cr_assert(ct_json_type_of(tc, cmem) == CT_JSON_NULL, "%s %s: label_member",
                          models[m], addr);
            }
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
    char deposit_labels[4]; /* "": all 32 */
} sim_case;

ParameterizedTestParameters(sim, truth_equals_trace)
{
    static sim_case cases[] = {
        {"1", "3000", "", "", ""},
        {"2", "3000", "", "", ""},
        {"3", "4000", "", "", ""},
        {"7", "5000", "4", "100000", ""},
        {"2", "3000", "", "", "4"},
    };
    return cr_make_param_array(sim_case, cases, sizeof(cases) / sizeof(cases[0]));
}

/* The taint of every endpoint at `addr` in one model of a trace (or truth) JSON. */
static uint64_t taint_at(const ct_json_doc *d, uint32_t model, const char *addr)
{
    uint64_t sum = 0;
    uint32_t eps = jget(d, model, "endpoints");
    for (uint32_t e = ct_json_first(d, eps); e; e = ct_json_next(d, eps, e))
        if (ct_json_string_is(d, jget(d, e, "address"), addr))
            sum += jnum(d, e, "taint_sat");
    return sum;
}

/* trace --to (docs/trace.md, "Connect") on the deposit addresses and mixer addresses the
 * truth says received taint: per model and target the amount is exactly the truth's taint at
 * that address, and the plain trace's (tc) endpoint taint there; the total is their sum. */
static void check_connect(const char *db, const char *source, const char *hops, const char *dust,
                          const ct_json_doc *tr, const ct_json_doc *tc)
{
    char to[4][96];
    size_t nt = 0;
    uint32_t tm = jget(tr, 0, "models"), eps = jget(tr, jget(tr, tm, "poison"), "endpoints");
    for (uint32_t e = ct_json_first(tr, eps); e && nt < 4; e = ct_json_next(tr, eps, e)) {
        if (!ct_json_string_is(tr, jget(tr, e, "category"), "exchange") &&
            !ct_json_string_is(tr, jget(tr, e, "category"), "mixer"))
            continue;
        char a[96];
        jtext(tr, jget(tr, e, "address"), a, sizeof(a));
        bool dup = false;
        for (size_t k = 0; k < nt; k++)
            dup = dup || strcmp(to[k], a) == 0;
        if (!dup)
            snprintf(to[nt++], sizeof(to[0]), "%s", a);
    }
    cr_assert_eq(nt, 4, "the truth has fewer than 4 exchange or mixer addresses");
    tu_run r;
    tu_exec(&r,
            (const char *[]){"--db", db, "trace", "--from", source, "--hops", hops, "--dust", dust,
                             "--no-clusters", "--to", to[0], "--to", to[1], "--to", to[2], "--to",
                             to[3], NULL},
            NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    ct_json_doc cj;
    jparse(&cj, r.out, r.out_len);
    uint32_t cm = jget(&cj, jget(&cj, 0, "connect"), "models");
    uint32_t pm = jget(tc, 0, "models");
    uint64_t nonzero = 0;
    for (size_t m = 0; m < 5; m++) {
        uint32_t x = jget(&cj, cm, models[m]), ts = jget(&cj, x, "targets");
        uint64_t total = 0;
        size_t k = 0;
        for (uint32_t t = ct_json_first(&cj, ts); t; t = ct_json_next(&cj, ts, t), k++) {
            cr_assert(ct_json_string_is(&cj, jget(&cj, t, "address"), to[k]));
            uint64_t got = jnum(&cj, t, "taint_sat");
            uint64_t want = taint_at(tr, jget(tr, tm, models[m]), to[k]);
            cr_assert_eq(got, want, "%s to %s: %" PRIu64 " sat, the truth says %" PRIu64, models[m],
                         to[k], got, want);
            cr_assert_eq(got, taint_at(tc, jget(tc, pm, models[m]), to[k]));
            cr_assert_eq(ct_json_type_of(&cj, jget(&cj, t, "reached")),
                         got ? CT_JSON_TRUE : CT_JSON_FALSE);
            total += got;
            nonzero += got > 0;
        }
        cr_assert_eq(k, 4);
        cr_assert_eq(jnum(&cj, x, "reached_sat"), total);
        /* the answer's endpoints make the total, and each is the sum of its flows in, all
         * of them among the evidence flows kept */
        uint32_t eps2 = jget(&cj, x, "endpoints"), fl = jget(&cj, x, "flows");
        uint64_t ep_total = 0;
        for (uint32_t e = ct_json_first(&cj, eps2); e; e = ct_json_next(&cj, eps2, e)) {
            uint32_t in = jget(&cj, e, "flows_in");
            uint64_t sum = 0;
            for (uint32_t i = ct_json_first(&cj, in); i; i = ct_json_next(&cj, in, i)) {
                uint64_t ix = jsat(&cj, i);
                uint32_t w = ct_json_first(&cj, fl);
                for (uint64_t q = 0; q < ix && w; q++)
                    w = ct_json_next(&cj, fl, w);
                cr_assert_neq(w, 0, "flow %" PRIu64 " not in the evidence", ix);
                sum += jnum(&cj, w, "taint_sat");
            }
            cr_assert_eq(sum, jnum(&cj, e, "taint_sat"), "%s", models[m]);
            ep_total += sum;
        }
        cr_assert_eq(ep_total, total, "%s", models[m]);
        cr_assert_eq(jnum(&cj, x, "source_sat"), jnum(tr, jget(tr, tm, models[m]), "source_sat"));
    }
    cr_assert_geq(nonzero, 8, "the targets were reached in too few models");
    ct_json_release(&cj);
    tu_run_free(&r);
}

ParameterizedTest(sim_case *c, sim, truth_equals_trace)
{
    sim_summary sum;
    const char *extra[7] = {NULL};
    size_t ne = 0;
    if (c->hops[0])
        extra[ne++] = "--hops", extra[ne++] = c->hops;
    if (c->dust[0])
        extra[ne++] = "--dust", extra[ne++] = c->dust;
    int n_labels = SIM_LABELS;
    if (c->deposit_labels[0]) {
        extra[ne++] = "--deposit-labels", extra[ne++] = c->deposit_labels;
        n_labels = 4 * (atoi(c->deposit_labels) + 1) + 5;
    }
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
    cr_assert_eq(tu_count_lines((char *)csv), (size_t)n_labels + 1);
    free(csv);
    tu_exec(&r, (const char *[]){"--db", db, "labels", "import", labels, NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    snprintf(want, sizeof(want),
             "%d labels read: %d added, 0 already present, 0 updated, 0 rejected", n_labels,
             n_labels);
    cr_assert(strstr(r.err, want), "%s", r.err);
    tu_run_free(&r);

    /* The trace with clusters (chaintrail's default) against the truth with cluster-level
     * stops; with --no-clusters against the address-level truth. */
    for (int pass = 0; pass < 2; pass++) {
        size_t tlen;
        char *truth =
            (char *)read_sim_file(dir, pass == 0 ? "truth_clusters.json" : "truth.json", &tlen);
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
                (const char *[]){"--db", db, "trace", "--from", source, "--hops", hops, "--dust",
                                 dust, "--format", "json", "--poison-flows",
                                 pass == 0 ? NULL : "--no-clusters", NULL},
                NULL);
        cr_assert_eq(r.status, 0, "%s", r.err);
        jparse(&tc, r.out, r.out_len);
        size_t n = compare(&tr, &tc);
        /* every endpoint's taint is the sum of the flows into it (issue 14) */
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
        if (pass == 1) /* address-level: the truth of each deposit address */
            check_connect(db, source, hops, dust, &tr, &tc);
        ct_json_release(&tr);
        ct_json_release(&tc);
        tu_run_free(&r);
        free(truth);
    }
    free(out), free(blocks), free(labels), free(db);
    done_sim(dir);
}

/* Calls fn on every block of the simulated chain under DIR/sim/blocks, in order, after
 * checking each record's framing (magic, size within the file) and decoding it with its
 * wtxids; *bytes gets the blk files' total size. */
typedef void (*sim_block_fn)(void *ctx, const ct_btc_block *blk, uint64_t index);

static void walk_sim_blocks(const char *dir, sim_block_fn fn, void *ctx, uint64_t *bytes)
{
    const ct_btc_params *net = ct_btc_params_get("regtest");
    uint64_t index = 0, total = 0;
    ct_btc_block blk;
    ct_btc_block_init(&blk);
    for (unsigned f = 0;; f++) {
        char rel[32];
        snprintf(rel, sizeof(rel), "blocks/blk%05u.dat", f);
        size_t len;
        uint8_t *d = read_sim_file(dir, rel, &len);
        if (!d)
            break;
        total += len;
        for (size_t o = 0; o < len;) {
            cr_assert_leq(o + 8, len);
            cr_assert_eq(memcmp(d + o, net->magic, 4), 0);
            uint32_t size = ct_le32(d + o + 4);
            cr_assert_leq(o + 8 + size, len);
            ct_error err;
            int rc = ct_btc_block_decode(&blk, d + o + 8, size, net, CT_BTC_WTXID, &err);
            cr_assert_eq(rc, CT_OK, "block %" PRIu64 ": %s %s", index, err.reason, err.detail);
            fn(ctx, &blk, index++);
            o += 8 + size;
        }
        free(d);
    }
    ct_btc_block_release(&blk);
    if (bytes)
        *bytes = total;
}

typedef struct verify_ctx {
    const ct_btc_params *net;
    uint64_t blocks, txs;
    uint64_t types[16];
    uint8_t prev[32];
} verify_ctx;

static void verify_block(void *ctx, const ct_btc_block *blk, uint64_t blocks)
{
    verify_ctx *vc = ctx;
    const ct_btc_params *net = vc->net;
    cr_assert_eq(memcmp(blk->header.prev_hash, vc->prev, 32), 0, "block %" PRIu64 " not linked",
                 blocks);
    memcpy(vc->prev, blk->hash, 32);
    if (blocks == 0) {
        cr_assert_eq(memcmp(blk->hash, net->genesis, 32), 0);
    } else {
        cr_assert_eq(blk->bip34_height, (int64_t)blocks);
        /* witness commitment: SHA256d(merkle root of wtxids, coinbase's zero || 32
         * zero bytes), in the coinbase's last aa21a9ed output */
        uint8_t(*w)[32] = calloc(blk->n_tx, 32);
        for (uint32_t i = 1; i < blk->n_tx; i++)
            memcpy(w[i], blk->tx[i].wtxid, 32);
        for (uint32_t n = blk->n_tx; n > 1; n = (n + 1) / 2)
            for (uint32_t i = 0; i < n; i += 2)
                ct_sha256d_pair(w[i / 2], w[i], w[i + 1 < n ? i + 1 : i]);
        uint8_t in[64] = {0}, commit[32];
        memcpy(in, w[0], 32);
        free(w);
        ct_sha256d(commit, in, 64);
        const ct_btc_tx *cb = &blk->tx[0];
        const ct_btc_txout *co = &cb->out[cb->n_out - 1];
        cr_assert_eq(co->script_len, 38);
        cr_assert_eq(memcmp(co->script, "\x6a\x24\xaa\x21\xa9\xed", 6), 0);
        cr_assert_eq(memcmp(co->script + 6, commit, 32), 0, "commitment of block %" PRIu64,
                     blocks);
        /* the coinbase claims the subsidy (regtest halves every 150) and the fees */
        uint64_t subsidy = 5000000000ULL >> (blocks / 150);
        cr_assert_geq(cb->out_total, subsidy);
        for (uint32_t i = 1; i < blk->n_tx; i++)
            for (uint32_t j = 0; j < blk->tx[i].n_out; j++) {
                ct_btc_dest dst;
                cr_assert_eq(ct_btc_script_dest(&dst, blk->tx[i].out[j].script,
                                                blk->tx[i].out[j].script_len, net),
                             CT_OK);
                vc->types[dst.type]++;
            }
    }
    vc->txs += blk->n_tx;
    vc->blocks++;
}

/* The blocks: framing, header links, merkle roots and PoW through the library's decoder,
 * BIP34 heights, witness commitments, subsidy + fees, every script type. */
Test(sim, blocks_decode_and_verify)
{
    sim_summary sum;
    char *dir = run_sim("5", "4000", NULL, &sum);
    verify_ctx vc = {.net = ct_btc_params_get("regtest")};
    uint64_t bytes;
    walk_sim_blocks(dir, verify_block, &vc, &bytes);
    cr_assert_eq(vc.blocks, sum.blocks);
    cr_assert_eq(vc.txs, sum.txs);
    cr_assert_eq(vc.txs, 4000);
    cr_assert_eq(bytes, sum.bytes);
    /* the script types seen on mainnet */
    ct_btc_script_type want[] = {CT_BTC_P2PKH, CT_BTC_P2SH, CT_BTC_P2WPKH,
                                 CT_BTC_P2WSH, CT_BTC_P2TR, CT_BTC_P2PK};
    for (size_t i = 0; i < 6; i++)
        cr_assert_gt(vc.types[want[i]], 0, "no %s output", ct_btc_script_type_name(want[i]));
    cr_assert_eq(vc.types[CT_BTC_NONSTANDARD], 0);
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
                (const char *[]){"--seed", "1", "--txs", "3000", "--out", "/tmp",
                                 "--deposit-labels", "33", NULL},
                NULL);
    cr_assert_eq(r.status, 2);
    cr_assert(strstr(r.err, "bad value for --deposit-labels: '33'"), "%s", r.err);
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

/* The simulator says what to trace (the theft and the victim, as truth.json records them)
 * and answers --help with exit 0 (issue 12 §5g). */
Test(sim, says_what_to_trace_and_answers_help)
{
    char *dir = tu_tmpdir();
    char *out = path_join(dir, "sim");
    tu_run r;
    tu_exec_bin(&r, CT_SIM_BIN,
                (const char *[]){"--seed", "1", "--txs", "1000", "--out", out, NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    size_t tlen;
    char *truth = (char *)read_sim_file(dir, "truth.json", &tlen); /* DIR/sim/truth.json */
    cr_assert_not_null(truth);
    json_error_t je;
    json_t *j = json_loadb(truth, tlen, 0, &je);
    cr_assert_not_null(j, "%s", je.text);
    json_t *h = json_object_get(j, "heist");
    const char *txid = json_string_value(json_object_get(h, "txid"));
    const char *victim = json_string_value(json_object_get(h, "victim"));
    cr_assert(txid && victim);
    char want[512];
    snprintf(want, sizeof(want),
             "chaintrail-sim: theft %s at height %lld, victim %s (trace it: chaintrail trace "
             "--from %s)\n",
             txid, (long long)json_integer_value(json_object_get(h, "height")), victim, txid);
    cr_assert_str_eq(r.err, want);
    /* seed 1, 1,000 transactions (the chain since exchanges sweep deposits with their hot
     * wallet: the ownership truth of issue 13) */
    cr_assert_str_eq(txid, "b123c20b0cb6758541f8cf0a8899f8d8ca2a20eb63c015209487eb670399a39a");
    json_decref(j);
    free(truth);
    tu_run_free(&r);
    /* --quiet: nothing */
    tu_exec_bin(&r, CT_SIM_BIN,
                (const char *[]){"--seed", "1", "--txs", "1000", "--out", out, "--quiet", NULL},
                NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.err, "");
    cr_assert_str_eq(r.out, "");
    tu_run_free(&r);
    for (int i = 0; i < 2; i++) {
        tu_exec_bin(&r, CT_SIM_BIN, (const char *[]){i ? "-h" : "--help", NULL}, NULL);
        cr_assert_eq(r.status, 0, "%s", r.err);
        cr_assert_str_eq(r.err, "");
        cr_assert(strncmp(r.out, "usage: chaintrail-sim --seed S --txs N --out DIR", 48) == 0, "%s",
                  r.out);
        cr_assert(strstr(r.out, "Exit status: 0 done; 2 usage; 1 anything else."), "%s", r.out);
        tu_run_free(&r);
    }
    free(out);
    tu_rmtree(dir);
    free(dir);
}

/* ---- ownership truth: owners.csv, partition.csv, coinjoins.txt, ownership.json ---- */

/* The chain as the test reads it from the blocks alone: addresses in first-seen order (a
 * P2PK output's linked address right after it), the multi-input partition over them
 * (union by first seen), and what the CoinJoin detectors say of every transaction. */
typedef struct seen_out {
    uint32_t addr1; /* address index + 1; 0: no address */
    uint8_t type;
    uint64_t value;
} seen_out;

typedef struct chain_view {
    ct_hmap addr_ix; /* address text -> index */
    ct_hmap out_ix;  /* txid || vout -> index into outs */
    ct_hmap cj;      /* the simulator's CoinJoin txids (internal order) */
    char (*text)[CT_BTC_ADDR_MAX];
    uint32_t *parent;
    bool *spent; /* the address was spent from */
    size_t n, cap;
    seen_out *outs;
    size_t n_outs, cap_outs;
    size_t cj_detected, cj_missed, false_cj;
} chain_view;

static uint32_t cv_addr(chain_view *v, const char *text)
{
    uint64_t ix;
    if (ct_hmap_get(&v->addr_ix, text, strlen(text), &ix))
        return (uint32_t)ix;
    if (v->n == v->cap) {
        v->cap = v->cap ? v->cap * 2 : 4096;
        v->text = realloc(v->text, v->cap * sizeof(*v->text));
        v->parent = realloc(v->parent, v->cap * sizeof(*v->parent));
        v->spent = realloc(v->spent, v->cap * sizeof(*v->spent));
        cr_assert(v->text && v->parent && v->spent);
    }
    snprintf(v->text[v->n], CT_BTC_ADDR_MAX, "%s", text);
    v->parent[v->n] = (uint32_t)v->n;
    v->spent[v->n] = false;
    cr_assert_eq(ct_hmap_put(&v->addr_ix, text, strlen(text), v->n), CT_OK);
    return (uint32_t)v->n++;
}

static uint32_t cv_find(chain_view *v, uint32_t x)
{
    while (v->parent[x] != x)
        x = v->parent[x] = v->parent[v->parent[x]];
    return x;
}

static void cv_union(chain_view *v, uint32_t a, uint32_t b)
{
    a = cv_find(v, a), b = cv_find(v, b);
    if (a < b)
        v->parent[b] = a;
    else if (b < a)
        v->parent[a] = b;
}

static void cv_tx(chain_view *v, const ct_btc_tx *tx, const ct_btc_params *net)
{
    ct_cj_in in[64];
    ct_cj_out out[64];
    uint32_t in_addr[64];
    cr_assert_leq(tx->n_in, 64);
    cr_assert_leq(tx->n_out, 64);
    for (uint32_t j = 0; j < tx->n_out; j++) {
        ct_btc_dest d;
        cr_assert_eq(ct_btc_script_dest(&d, tx->out[j].script, tx->out[j].script_len, net), CT_OK);
        uint32_t a1 = 0;
        if (d.n_addr > 0) {
            uint32_t a = cv_addr(v, d.addr[0]);
            a1 = a + 1;
            if (d.type == CT_BTC_P2PK && d.linked[0][0])
                cv_union(v, a, cv_addr(v, d.linked[0]));
        }
        out[j] = (ct_cj_out){tx->out[j].value, a1, (uint8_t)d.type};
        if (v->n_outs == v->cap_outs) {
            v->cap_outs = v->cap_outs ? v->cap_outs * 2 : 8192;
            v->outs = realloc(v->outs, v->cap_outs * sizeof(*v->outs));
            cr_assert_not_null(v->outs);
        }
        v->outs[v->n_outs] = (seen_out){a1, (uint8_t)d.type, tx->out[j].value};
        uint8_t key[36];
        memcpy(key, tx->txid, 32);
        ct_put_le32(key + 32, j);
        cr_assert_eq(ct_hmap_put(&v->out_ix, key, 36, v->n_outs++), CT_OK);
    }
    if (tx->coinbase)
        return;
    for (uint32_t i = 0; i < tx->n_in; i++) {
        uint8_t key[36];
        uint64_t ix;
        memcpy(key, tx->in[i].prev_txid, 32);
        ct_put_le32(key + 32, tx->in[i].prev_vout);
        cr_assert(ct_hmap_get(&v->out_ix, key, 36, &ix), "unknown prevout");
        const seen_out *so = &v->outs[ix];
        in[i] = (ct_cj_in){so->value, so->addr1, so->type};
        in_addr[i] = so->addr1;
        if (so->addr1)
            v->spent[so->addr1 - 1] = true;
    }
    ct_cj_tx cj = {(uint32_t)tx->version, tx->locktime, 0, tx->n_in, tx->n_out, in, out};
    ct_cj_verdict verdict;
    ct_cj_detect(&cj, CT_CJ_ALL | CT_CJ_ANY_HEIGHT, &verdict);
    uint64_t unused;
    bool is_cj = ct_hmap_get(&v->cj, tx->txid, 32, &unused);
    if (is_cj) {
        if (verdict.detector)
            v->cj_detected++;
        else
            v->cj_missed++;
        return; /* a CoinJoin merges nothing */
    }
    if (verdict.detector)
        v->false_cj++;
    for (uint32_t i = 1; i < tx->n_in; i++)
        if (in_addr[0] && in_addr[i])
            cv_union(v, in_addr[0] - 1, in_addr[i] - 1);
}

static void cv_block(void *ctx, const ct_btc_block *blk, uint64_t index)
{
    (void)index;
    for (uint32_t i = 0; i < blk->n_tx; i++)
        cv_tx(ctx, &blk->tx[i], ct_btc_params_get("regtest"));
}

/* Splits a CSV text into lines (in place); returns the count. */
static size_t split_lines(char *text, char ***lines)
{
    size_t n = tu_count_lines(text), k = 0;
    *lines = malloc((n + 1) * sizeof(**lines));
    for (char *p = text; *p && k < n; k++) {
        char *nl = strchr(p, '\n');
        *nl = 0;
        (*lines)[k] = p;
        p = nl + 1;
    }
    return k;
}

/* Field number `field` (from 0) of a comma-separated line, copied. */
static void csv_field(const char *line, unsigned field, char *out, size_t size)
{
    for (unsigned f = 0; f < field; f++) {
        line = strchr(line, ',');
        cr_assert_not_null(line);
        line++;
    }
    size_t n = strcspn(line, ",\n");
    cr_assert_lt(n, size);
    memcpy(out, line, n);
    out[n] = 0;
}

typedef struct owner_case {
    char seed[8], txs[8];
} owner_case;

ParameterizedTestParameters(sim, ownership_truth)
{
    static owner_case cases[] = {{"1", "3000"}, {"6", "3000"}, {"11", "5000"}};
    return cr_make_param_array(owner_case, cases, sizeof(cases) / sizeof(cases[0]));
}

/* The simulator's owners and multi-input partition are those of its chain read back from
 * the blocks: every address once (as many as chaintrail stores), in first-seen order, each
 * in the cluster the co-spends (CoinJoins excepted) give it, with the first-seen member as
 * the cluster's name. Every CoinJoin round it made is one the published detectors find, and
 * no other transaction is. Services never share a cluster with another owner; exchanges B
 * and D sweep deposits together with their hot wallet, A and C do not. */
ParameterizedTest(owner_case *c, sim, ownership_truth)
{
    sim_summary sum;
    char *dir = run_sim(c->seed, c->txs, NULL, &sum);
    chain_view v;
    memset(&v, 0, sizeof(v));
    ct_hmap_init(&v.addr_ix);
    ct_hmap_init(&v.out_ix);
    ct_hmap_init(&v.cj);
    size_t len;
    char *cjtext = (char *)read_sim_file(dir, "coinjoins.txt", &len);
    cr_assert_not_null(cjtext);
    char **cjl;
    size_t n_cj = split_lines(cjtext, &cjl);
    for (size_t i = 0; i < n_cj; i++) {
        uint8_t txid[32];
        cr_assert_eq(strlen(cjl[i]), 64);
        for (int b = 0; b < 32; b++) /* display order -> internal */
            txid[31 - b] =
                (uint8_t)(ct_hex_digit(cjl[i][2 * b]) << 4 | ct_hex_digit(cjl[i][2 * b + 1]));
        cr_assert_eq(ct_hmap_put(&v.cj, txid, 32, i), CT_OK);
    }
    cr_assert_gt(n_cj, 10, "only %zu CoinJoin rounds", n_cj);
    walk_sim_blocks(dir, cv_block, &v, NULL);
    cr_assert_eq(v.cj_detected, n_cj, "%zu of %zu rounds missed", v.cj_missed, n_cj);
    cr_assert_eq(v.false_cj, 0, "%zu other transactions judged CoinJoins", v.false_cj);

    /* owners.csv and partition.csv: the chain's addresses, in its order */
    char *otext = (char *)read_sim_file(dir, "owners.csv", &len);
    char *ptext = (char *)read_sim_file(dir, "partition.csv", &len);
    char **ol, **pl;
    size_t no = split_lines(otext, &ol), np = split_lines(ptext, &pl);
    cr_assert_str_eq(ol[0], "address,entity_id,entity_kind");
    cr_assert_str_eq(pl[0], "address,cluster");
    cr_assert_eq(no, v.n + 1);
    cr_assert_eq(np, v.n + 1);
    char(*entity)[32] = calloc(v.n, 32), kind[32], want[2 * CT_BTC_ADDR_MAX + 2];
    uint32_t *root_entity = malloc(v.n * sizeof(*root_entity));
    bool *multi = calloc(v.n, 1);
    size_t clusters = 0, multi_owner = 0;
    for (size_t i = 0; i < v.n; i++) {
        char addr[CT_BTC_ADDR_MAX];
        csv_field(ol[i + 1], 0, addr, sizeof(addr));
        cr_assert_str_eq(addr, v.text[i], "owners.csv line %zu", i + 2);
        csv_field(ol[i + 1], 1, entity[i], sizeof(entity[i]));
        uint32_t r = cv_find(&v, (uint32_t)i);
        snprintf(want, sizeof(want), "%s,%s", v.text[i], v.text[r]);
        cr_assert_str_eq(pl[i + 1], want, "partition.csv line %zu", i + 2);
        if (r == i) {
            clusters++;
            root_entity[r] = (uint32_t)i;
        } else if (strcmp(entity[root_entity[r]], entity[i]) != 0 && !multi[r]) {
            multi[r] = true;
            multi_owner++;
        }
    }
    /* precision 1.0 where owners never co-spend: a cluster with a service, a miner or the
     * genesis output has one owner; only users and the thief co-spend across owners */
    size_t services = 0;
    for (size_t i = 0; i < v.n; i++) {
        csv_field(ol[i + 1], 2, kind, sizeof(kind));
        if (strcmp(kind, "user") == 0 || strcmp(kind, "thief") == 0)
            continue;
        services++;
        cr_assert(!multi[cv_find(&v, (uint32_t)i)], "%s (%s) shares a cluster", v.text[i],
                  entity[i]);
    }
    cr_assert_gt(services, 100);

    /* labels name the same owners */
    char *ltext = (char *)read_sim_file(dir, "labels.csv", &len);
    char **ll;
    size_t nl = split_lines(ltext, &ll);
    uint32_t hot[4] = {UINT32_MAX, UINT32_MAX, UINT32_MAX, UINT32_MAX};
    size_t labelled_seen = 0;
    for (size_t i = 1; i < nl; i++) {
        char addr[CT_BTC_ADDR_MAX], label[64], ent[32];
        csv_field(ll[i], 0, addr, sizeof(addr));
        csv_field(ll[i], 1, label, sizeof(label));
        uint64_t ix;
        if (!ct_hmap_get(&v.addr_ix, addr, strlen(addr), &ix))
            continue; /* never paid */
        labelled_seen++;
        if (strncmp(label, "SimEx ", 6) == 0) {
            snprintf(ent, sizeof(ent), "exchange-%c", label[6]);
            if (strstr(label, "hot wallet"))
                hot[label[6] - 'A'] = (uint32_t)ix;
        } else {
            snprintf(ent, sizeof(ent), "%s", strcmp(label, "SimMixer") == 0 ? "mixer" : "bridge");
        }
        cr_assert_str_eq(entity[ix], ent, "%s %s", addr, label);
    }
    cr_assert_gt(labelled_seen, 100);
    /* sweeps: B's and D's spent deposits are in their hot wallet's cluster, A's and C's
     * are not */
    size_t swept[4] = {0};
    for (unsigned e = 0; e < 4; e++) {
        char ent[32];
        snprintf(ent, sizeof(ent), "exchange-%c", 'A' + e);
        cr_assert_neq(hot[e], UINT32_MAX, "%s has no hot wallet in the chain", ent);
        for (size_t i = 0; i < v.n; i++) {
            if (i == hot[e] || strcmp(entity[i], ent) != 0 || !v.spent[i])
                continue;
            bool same = cv_find(&v, (uint32_t)i) == cv_find(&v, hot[e]);
            cr_assert_eq(same, e == 1 || e == 3, "%s deposit %s", ent, v.text[i]);
            swept[e]++;
        }
    }
    cr_assert_gt(swept[1], 0);
    cr_assert_gt(swept[3], 0);

    /* chaintrail stores exactly these addresses: its count after ingest is the same */
    char *blocks = path_join(dir, "sim/blocks"), *db = path_join(dir, "db");
    tu_run r;
    tu_exec(&r,
            (const char *[]){"--db", db, "ingest", "bitcoin", "--network", "regtest", "--quiet",
                             blocks, NULL},
            NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
    tu_exec(&r, (const char *[]){"--db", db, "stats", NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    ct_json_doc st;
    jparse(&st, r.out, r.out_len);
    cr_assert_eq(jnum(&st, jget(&st, 0, "bitcoin"), "addresses"), v.n);
    ct_json_release(&st);
    tu_run_free(&r);
    free(blocks), free(db);

    /* ownership.json counts the same */
    char *jtext_ = (char *)read_sim_file(dir, "ownership.json", &len);
    ct_json_doc oj;
    jparse(&oj, jtext_, len);
    cr_assert_eq(jnum(&oj, 0, "addresses"), v.n);
    cr_assert_eq(jnum(&oj, 0, "clusters"), clusters);
    cr_assert_eq(jnum(&oj, 0, "multi_owner_clusters"), multi_owner);
    cr_assert_eq(jnum(&oj, 0, "coinjoins"), n_cj);
    uint32_t sweeps = jget(&oj, 0, "hot_wallet_sweeps");
    cr_assert_gt(jnum(&oj, sweeps, "transactions"), 0);
    ct_json_release(&oj);

    free(jtext_), free(ltext), free(ll), free(entity), free(root_entity), free(multi);
    free(otext), free(ptext), free(ol), free(pl), free(cjtext), free(cjl);
    ct_hmap_release(&v.addr_ix), ct_hmap_release(&v.out_ix), ct_hmap_release(&v.cj);
    free(v.text), free(v.parent), free(v.spent), free(v.outs);
    done_sim(dir);
}

/* truth_clusters.json: the truth with cluster-level stops. With every deposit labelled it
 * is truth.json byte for byte (no cluster holds an unlabelled address with a labelled
 * member); with 4 labelled deposits per exchange, the endpoints that stop on a cluster's
 * label name a member that carries it, in the same cluster of partition.csv. */
Test(sim, cluster_truth)
{
    sim_summary sum;
    char *full = run_sim("1", "3000", NULL, &sum);
    size_t la, lb;
    uint8_t *a = read_sim_file(full, "truth.json", &la);
    uint8_t *b = read_sim_file(full, "truth_clusters.json", &lb);
    cr_assert(la == lb && memcmp(a, b, la) == 0, "truth_clusters.json differs with every label");
    free(a), free(b);
    done_sim(full);

    char *dir = run_sim("1", "3000", (const char *const[]){"--deposit-labels", "4", NULL}, &sum);
    size_t len;
    char *ltext = (char *)read_sim_file(dir, "labels.csv", &len);
    cr_assert_eq(tu_count_lines(ltext), 1 + 4 * (4 + 1) + 4 + 1);
    char *ptext = (char *)read_sim_file(dir, "partition.csv", &len);
    char *tt = (char *)read_sim_file(dir, "truth.json", &len);
    ct_json_doc tr, tc;
    jparse(&tr, tt, len);
    char *ct = (char *)read_sim_file(dir, "truth_clusters.json", &len);
    jparse(&tc, ct, len);
    uint32_t mr = jget(&tr, 0, "models"), mc = jget(&tc, 0, "models");
    size_t via_member = 0;
    for (size_t m = 0; m < 5; m++) {
        uint32_t r = jget(&tr, mr, models[m]), c = jget(&tc, mc, models[m]);
        cr_assert_eq(jnum(&tr, r, "source_sat"), jnum(&tc, c, "source_sat"));
        uint32_t eps = jget(&tc, c, "endpoints");
        for (uint32_t e = ct_json_first(&tc, eps); e; e = ct_json_next(&tc, eps, e)) {
            uint32_t mem = ct_json_get(&tc, e, "label_member");
            if (!mem)
                continue;
            char addr[CT_BTC_ADDR_MAX], member[CT_BTC_ADDR_MAX], label[96], line[256];
            jtext(&tc, jget(&tc, e, "address"), addr, sizeof(addr));
            jtext(&tc, mem, member, sizeof(member));
            jtext(&tc, jget(&tc, e, "label"), label, sizeof(label));
            /* the address carries no label; the member carries this one */
            snprintf(line, sizeof(line), "\n%s,", addr);
            cr_assert_null(strstr(ltext, line), "%s is labelled", addr);
            char *sp = strstr(label, " (chaintrail-sim)");
            cr_assert_not_null(sp, "%s", label);
            *sp = 0;
            snprintf(line, sizeof(line), "\n%s,%s,", member, label);
            cr_assert_not_null(strstr(ltext, line), "%s does not carry '%s'", member, label);
            /* one cluster: the same cluster name in partition.csv */
            char *pa = strstr(ptext, (snprintf(line, sizeof(line), "\n%s,", addr), line));
            cr_assert_not_null(pa);
            char ca[CT_BTC_ADDR_MAX], cm[CT_BTC_ADDR_MAX];
            csv_field(pa + 1, 1, ca, sizeof(ca));
            char *pm = strstr(ptext, (snprintf(line, sizeof(line), "\n%s,", member), line));
            cr_assert_not_null(pm);
            csv_field(pm + 1, 1, cm, sizeof(cm));
            cr_assert_str_eq(ca, cm, "%s and %s", addr, member);
            via_member++;
        }
    }
    cr_assert_gt(via_member, 0, "no endpoint stopped on a cluster's label");
    ct_json_release(&tr);
    ct_json_release(&tc);
    free(ltext), free(ptext), free(tt), free(ct);
    done_sim(dir);
}

/* chaintrail's clusters equal the simulator's multi-input partition (partition.csv, CoinJoin
 * rounds excepted), address for address: the dump's cluster id is the address id of the
 * cluster's first-seen member, partition.csv names the cluster by that member's address. */
ParameterizedTestParameters(sim, clusters_equal_the_partition)
{
    static sim_case cases[] = {
        {"1", "3000", "", "", ""},
        {"2", "3000", "", "", ""},
        {"3", "4000", "", "", ""},
    };
    return cr_make_param_array(sim_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(sim_case *c, sim, clusters_equal_the_partition)
{
    sim_summary sum;
    char *dir = run_sim(c->seed, c->txs, NULL, &sum);
    char *out = path_join(dir, "sim"), *blocks = path_join(out, "blocks");
    char *db = path_join(dir, "db");
    tu_run r;
    tu_exec(&r,
            (const char *[]){"--db", db, "ingest", "bitcoin", "--network", "regtest", blocks, NULL},
            NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
    tu_exec(&r, (const char *[]){"--db", db, "cluster", "dump", "--format", "csv", NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    size_t len;
    char *ptext = (char *)read_sim_file(dir, "partition.csv", &len);
    cr_assert_not_null(ptext);
    /* both: a header line, then one line per address in the same order */
    size_t n = tu_count_lines(r.out);
    cr_assert_eq(n, tu_count_lines(ptext));
    char **addr = calloc(n, sizeof(*addr));
    cr_assert_not_null(addr);
    char *d = r.out, *p = ptext;
    d = strchr(d, '\n') + 1;
    p = strchr(p, '\n') + 1;
    size_t multi = 0;
    for (size_t i = 1; i < n; i++) {
        char *dn = strchr(d, '\n'), *pn = strchr(p, '\n');
        cr_assert(dn && pn);
        *dn = *pn = '\0';
        char *dc = strchr(d, ','), *pc = strchr(p, ',');
        cr_assert(dc && pc);
        *dc = *pc = '\0';
        cr_assert_str_eq(d, p, "line %zu: the address order differs", i + 1);
        addr[i] = d;
        unsigned long long cid = strtoull(dc + 1, NULL, 10);
        cr_assert(cid >= 1 && cid <= i, "line %zu: cluster id %llu", i + 1, cid);
        cr_assert_str_eq(addr[cid], pc + 1, "%s: cluster %s, the simulator says %s", d, addr[cid],
                         pc + 1);
        multi += cid != i;
        d = dn + 1;
        p = pn + 1;
    }
    cr_assert_gt(multi, 100, "only %zu addresses joined a cluster", multi);
    free(addr);
    free(ptext);
    tu_run_free(&r);
    free(out), free(blocks), free(db);
    done_sim(dir);
}

/* show cluster of a cluster of 1,024 members or more (members by a scan of the cluster
 * rows, totals through a forward iterator, labels from a walk of the labelled addresses):
 * the members are the dump's, in address-id order; the labels are those of the labelled
 * members and no other; the totals equal the sums of the members' own totals. */
Test(sim, show_cluster_of_a_large_cluster)
{
    sim_summary sum;
    char *dir = run_sim("1", "20000", NULL, &sum);
    char *out = path_join(dir, "sim"), *blocks = path_join(out, "blocks");
    char *dbdir = path_join(dir, "db"), *lab = path_join(dir, "l88.csv");
    tu_run r;
    tu_exec(&r,
            (const char *[]){"--db", dbdir, "ingest", "bitcoin", "--network", "regtest", "--quiet",
                             blocks, NULL},
            NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
    tu_exec(&r, (const char *[]){"--db", dbdir, "cluster", "dump", "--format", "csv", NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    /* the largest cluster of the dump, and its members in order */
    size_t n = tu_count_lines(r.out), *count = calloc(n + 1, sizeof(size_t));
    char **addr = calloc(n + 1, sizeof(char *));
    unsigned long long *cid = calloc(n + 1, sizeof(*cid));
    cr_assert(count && addr && cid);
    char *p = strchr(r.out, '\n') + 1;
    size_t best = 0;
    for (size_t i = 1; i < n; i++) {
        char *nl = strchr(p, '\n'), *c = strchr(p, ',');
        *nl = *c = '\0';
        addr[i] = p;
        cid[i] = strtoull(c + 1, NULL, 10);
        if (++count[cid[i]] > count[best])
            best = cid[i];
        p = nl + 1;
    }
    cr_assert_geq(count[best], 1024, "the largest cluster has %zu members", count[best]);
    /* three members labelled (one twice) and one address outside the cluster */
    size_t lm[3] = {0, 0, 0}, seen = 0, outside = 0;
    for (size_t i = 1; i < n; i++) {
        if (cid[i] != best) {
            outside = outside ? outside : i;
            continue;
        }
        if (seen == 0 || seen == count[best] / 2 || seen == count[best] - 1)
            lm[seen == 0 ? 0 : seen == count[best] - 1 ? 2 : 1] = i;
        seen++;
    }
    char csv[1024];
    snprintf(csv, sizeof(csv),
             "address,label,category\n%s,First,exchange\n%s,Middle,scam\n%s,Middle2,mixer\n"
             "%s,Last,exchange\n%s,Outside,exchange\n",
             addr[lm[0]], addr[lm[1]], addr[lm[1]], addr[lm[2]], addr[outside]);
    cr_assert_eq(tu_write_file(lab, csv, strlen(csv)), 0);
    tu_run lr;
    tu_exec(
        &lr,
        (const char *[]){"--db", dbdir, "labels", "import", "--source", "t", "--quiet", lab, NULL},
        NULL);
    cr_assert_eq(lr.status, 0, "%s", lr.err);
    tu_run_free(&lr);
    char ids[24];
    snprintf(ids, sizeof(ids), "%zu", best);
    tu_run sc;
    tu_exec(&sc,
            (const char *[]){"--db", dbdir, "show", "cluster", ids, "--addresses", "--limit", "1",
                             NULL},
            NULL);
    cr_assert_eq(sc.status, 0, "%s", sc.err);
    json_error_t je;
    json_t *j = json_loads(sc.out, 0, &je);
    cr_assert_not_null(j, "%s", je.text);
    cr_assert_eq(json_integer_value(json_object_get(j, "size")), (json_int_t)count[best]);
    json_t *as = json_object_get(j, "addresses");
    cr_assert_eq(json_array_size(as), count[best]);
    size_t k = 0;
    ct_db *db = tu_db_open(dbdir, false);
    unsigned __int128 recv = 0, sent = 0;
    uint64_t txc = 0;
    for (size_t i = 1; i < n; i++) {
        if (cid[i] != best)
            continue;
        cr_assert_str_eq(json_string_value(json_array_get(as, k)), addr[i], "member %zu", k);
        k++;
        ct_graph_address ga;
        cr_assert_eq(ct_graph_address_get(db, &ga, addr[i], NULL), CT_OK);
        recv += ga.received_sat;
        sent += ga.sent_sat;
        txc += ga.tx_count;
        ct_graph_address_release(&ga);
    }
    ct_db_close(db);
    cr_assert_eq(json_integer_value(json_object_get(j, "received_sat")), (json_int_t)recv);
    cr_assert_eq(json_integer_value(json_object_get(j, "sent_sat")), (json_int_t)sent);
    cr_assert_eq(json_integer_value(json_object_get(j, "balance_sat")), (json_int_t)(recv - sent));
    cr_assert_eq(json_integer_value(json_object_get(j, "tx_count")), (json_int_t)txc);
    /* the merge log holds every join that made the cluster: size - 1 of them, the history
     * of clusters whose id went to a single address with a smaller id included */
    json_t *mg = json_object_get(j, "merges");
    cr_assert_eq(json_integer_value(json_object_get(mg, "total")), (json_int_t)count[best] - 1);
    json_t *ls = json_object_get(j, "labels");
    static const char *const want[4] = {"First", "Middle", "Middle2", "Last"};
    const size_t who[4] = {lm[0], lm[1], lm[1], lm[2]};
    cr_assert_eq(json_array_size(ls), 4, "%s", sc.out);
    for (size_t i = 0; i < 4; i++) {
        json_t *e = json_array_get(ls, i);
        cr_assert_str_eq(json_string_value(json_object_get(e, "member")), addr[who[i]]);
        cr_assert_str_eq(json_string_value(json_object_get(e, "label")), want[i]);
        cr_assert_str_eq(json_string_value(json_object_get(e, "source")), "t");
    }
    json_decref(j);
    tu_run_free(&sc);
    free(count), free(addr), free(cid);
    tu_run_free(&r);
    free(out), free(blocks), free(dbdir), free(lab);
    done_sim(dir);
}
