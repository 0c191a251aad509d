/* Ethereum ingest on real mainnet data (fixtures/eth): the full blocks 15573637 and 19433902
 * with all their receipts (every ERC-20 transfer found, compared with the independent list
 * of tests/tools/eth_expected.py), ethereum-etl's responses against its expected exports
 * (transactions, token transfers, traces), the geth checkpoint of block 0, the account graph
 * over a database, bad inputs E11-E14 with their exact errors, and a reorg at the tip. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chaintrail/chaintrail.h"
#include "ethereum/eth_source.h"
#include "eth_fixtures.h"
#include "testutil.h"

/* Runs `chaintrail --db dir ingest ethereum --quiet --json FILES...` (fixture-relative
 * when rel, else paths as given). */
static void ingest(tu_run *r, const char *dir, const char *const *files, bool rel)
{
    const char *argv[32] = {"--db", dir, "ingest", "ethereum", "--quiet", "--json"};
    size_t n = 6;
    char *owned[24] = {0};
    for (size_t i = 0; files[i]; i++) {
        owned[i] = rel ? tu_fixture(files[i]) : strdup(files[i]);
        argv[n++] = owned[i];
    }
    argv[n] = NULL;
    tu_exec(r, argv, NULL);
    for (size_t i = 0; owned[i]; i++)
        free(owned[i]);
}

/* A fresh database holding mainnet block 19433902 and its receipts (trin, MIT). */
static char *db_19433902(void)
{
    char *dir = tu_fresh_db();
    tu_run r;
    ingest(&r, dir,
           (const char *[]){TRIN "eth_getBlockByNumber_19433902_full.json",
                            TRIN "eth_getBlockReceipts_19433902.json", NULL},
           true);
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
    return dir;
}

/* A first ingest into a fresh path that stored nothing leaves no database behind. */
static void assert_no_database(const char *dir)
{
    tu_run r;
    tu_exec(&r, (const char *[]){"--db", dir, "stats", NULL}, NULL);
    cr_assert_eq(r.status, 5, "stats: %s", r.err);
    cr_assert(strstr(r.err, "no database at"), "%s", r.err);
    tu_run_free(&r);
}

static json_t *stats_json(const char *dir)
{
    tu_run r;
    tu_exec(&r, (const char *[]){"--db", dir, "stats", NULL}, NULL);
    cr_assert_eq(r.status, 0, "stats: %s", r.err);
    json_error_t je;
    json_t *j = json_loads(r.out, 0, &je);
    cr_assert_not_null(j, "stats output: %s", r.out);
    tu_run_free(&r);
    return j;
}

static long long eth_stat(json_t *j, const char *name)
{
    json_t *v = json_object_get(json_object_get(j, "ethereum"), name);
    cr_assert(json_is_integer(v), "ethereum.%s is not an integer", name);
    return json_integer_value(v);
}

/* counts_<N>.txt of tests/tools/eth_expected.py */
static long long expected_count(const char *block, const char *name)
{
    char rel[128];
    snprintf(rel, sizeof(rel), "eth/expected/counts_%s.txt", block);
    size_t len;
    char *text = (char *)tu_read_fixture(rel, &len);
    char key[64];
    snprintf(key, sizeof(key), "%s ", name);
    char *p = strstr(text, key);
    cr_assert_not_null(p, "%s has no %s", rel, name);
    long long v = atoll(p + strlen(key));
    free(text);
    return v;
}

/* ---- the two full mainnet blocks ---- */

static void full_block(const char *block, const char *block_file, const char *receipts_file,
                       long long erc20, long long txs, long long tokens)
{
    char *dir = tu_fresh_db();
    tu_run r;
    ingest(&r, dir, (const char *[]){block_file, receipts_file, NULL}, true);
    cr_assert_eq(r.status, 0, "ingest: %s", r.err);
    tu_run_free(&r);
    json_t *j = stats_json(dir);
    /* literal counts, found by the python one-liner of tests/tools/eth_expected.py */
    cr_assert_eq(eth_stat(j, "token_transfers"), erc20);
    cr_assert_eq(eth_stat(j, "txs"), txs);
    cr_assert_eq(eth_stat(j, "tokens"), tokens);
    cr_assert_eq(eth_stat(j, "token_transfers"), expected_count(block, "erc20"));
    cr_assert_eq(eth_stat(j, "logs"), expected_count(block, "logs"));
    cr_assert_eq(eth_stat(j, "native_transfers"), expected_count(block, "native"));
    cr_assert_eq(eth_stat(j, "fee_events"), expected_count(block, "fees"));
    cr_assert_eq(eth_stat(j, "blocks"), 1);
    cr_assert_eq(eth_stat(j, "height"), atoll(block));
    json_decref(j);
    /* verify: invariants hold */
    tu_exec(&r, (const char *[]){"--db", dir, "verify", NULL}, NULL);
    cr_assert_eq(r.status, 0, "verify: %s%s", r.out, r.err);
    tu_run_free(&r);
    tu_fresh_db_done(dir);
}

Test(eth_ingest, block_15573637_every_count)
{
    full_block("15573637", TRIN "eth_getBlockByNumber_15573637_batch.json",
               TRIN "eth_getBlockReceipts_15573637.json", 262, 239, 62);
}

Test(eth_ingest, block_19433902_every_count_and_withdrawals)
{
    full_block("19433902", TRIN "eth_getBlockByNumber_19433902_full.json",
               TRIN "eth_getBlockReceipts_19433902.json", 128, 171, 47);
    /* 16 withdrawals of this block are rewards on top of the 169 priority-fee rewards */
    char *dir = db_19433902();
    tu_run r;
    json_t *j = stats_json(dir);
    cr_assert_eq(eth_stat(j, "rewards"), expected_count("19433902", "rewards") + 16);
    json_decref(j);
    /* the first withdrawal: 0x119b258 gwei to 0x8e609ac80f4324e499a6efd24f221a2caa868224 */
    tu_exec(&r,
            (const char *[]){"--db", dir, "show", "address",
                             "0x8E609AC80F4324E499A6EFD24F221A2CAA868224", "--txs", NULL},
            NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "\"kind\":\"reward\",\"asset\":0,\"symbol\":\"ETH\",\"from\":null,"
                            "\"to\":\"0x8e609ac80F4324e499A6eFD24f221A2caa868224\",\"amount\":"
                            "\"18461272000000000\",\"tx\":null") ||
                  strstr(r.out, "\"amount\":\"18461272000000000\""),
              "%s", r.out);
    tu_run_free(&r);
    tu_fresh_db_done(dir);
}

/* Every line of erc20_<N>.csv (tx hash, log index, contract, from, to, amount) is a token
 * event of that tx, in the same order, through ct_acct_graph_db. */
typedef struct collect {
    ct_acct_event ev[64];
    size_t n;
} collect;

static int collect_cb(void *arg, const ct_acct_event *e)
{
    collect *c = arg;
    if (e->kind == CT_ACCT_TOKEN && c->n < 64)
        c->ev[c->n++] = *e;
    return 0;
}

static void lower(char *s)
{
    for (; *s; s++)
        if (*s >= 'A' && *s <= 'Z')
            *s = (char)(*s + 32);
}

static void every_erc20(const char *block, const char *block_file, const char *receipts_file,
                        size_t want_total)
{
    char *dir = tu_fresh_db();
    tu_run r;
    ingest(&r, dir, (const char *[]){block_file, receipts_file, NULL}, true);
    cr_assert_eq(r.status, 0, "ingest: %s", r.err);
    tu_run_free(&r);
    ct_db *db = tu_db_open(dir, false);
    ct_db_snapshot *snap = ct_db_snapshot_new(db);
    ct_acct_graph g;
    cr_assert_eq(ct_acct_graph_db(&g, db, snap, NULL), CT_OK);
    char rel[64];
    snprintf(rel, sizeof(rel), "eth/expected/erc20_%s.csv", block);
    size_t len;
    char *text = (char *)tu_read_fixture(rel, &len);
    size_t lines = 0, matched = 0;
    char prev[67] = "";
    collect c = {.n = 0};
    size_t at = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        char hash[67], contract[43], from[43], to[43], amount[80];
        unsigned logi;
        cr_assert_eq(sscanf(line, "%66[^,],%u,%42[^,],%42[^,],%42[^,],%79s", hash, &logi, contract,
                            from, to, amount),
                     6, "%s", line);
        lines++;
        if (strcmp(hash, prev) != 0) {
            uint8_t h[32];
            cr_assert_eq(ct_hex_decode(h, hash + 2, 32), CT_OK);
            c.n = 0;
            at = 0;
            cr_assert_eq(g.tx_events(g.ctx, h, collect_cb, &c, NULL), CT_OK, "tx %s", hash);
            snprintf(prev, sizeof(prev), "%s", hash);
        }
        cr_assert_lt(at, c.n, "tx %s: fewer token events than transfers", hash);
        const ct_acct_event *e = &c.ev[at++];
        char got_from[43], got_to[43], sym[32], got_contract[43], got_amount[80];
        uint8_t dec;
        bool kd;
        cr_assert_eq(g.address_of(g.ctx, e->from, got_from, NULL), CT_OK);
        cr_assert_eq(g.address_of(g.ctx, e->to, got_to, NULL), CT_OK);
        cr_assert_eq(g.asset_info(g.ctx, e->asset, sym, sizeof(sym), &dec, &kd, got_contract, NULL),
                     CT_OK);
        ct_u256_to_dec(got_amount, sizeof(got_amount), &e->amount);
        lower(got_from);
        lower(got_to);
        lower(got_contract);
        cr_assert_str_eq(got_from, from, "%s log %u", hash, logi);
        cr_assert_str_eq(got_to, to, "%s log %u", hash, logi);
        cr_assert_str_eq(got_contract, contract, "%s log %u", hash, logi);
        cr_assert_str_eq(got_amount, amount, "%s log %u", hash, logi);
        matched++;
    }
    cr_assert_eq(lines, want_total);
    cr_assert_eq(matched, want_total);
    free(text);
    ct_acct_graph_db_free(&g);
    ct_db_snapshot_free(db, snap);
    ct_db_close(db);
    tu_fresh_db_done(dir);
}

Test(eth_ingest, every_erc20_transfer_of_15573637)
{
    every_erc20("15573637", TRIN "eth_getBlockByNumber_15573637_batch.json",
                TRIN "eth_getBlockReceipts_15573637.json", 262);
}

Test(eth_ingest, every_erc20_transfer_of_19433902)
{
    every_erc20("19433902", TRIN "eth_getBlockByNumber_19433902_full.json",
                TRIN "eth_getBlockReceipts_19433902.json", 128);
}

/* ---- ethereum-etl: our rows agree with its expected exports ---- */

static char *csv_field(char *line, int idx, char *out, size_t size)
{
    int i = 0;
    char *p = line;
    while (i < idx && p) {
        p = strchr(p, ',');
        if (p)
            p++;
        i++;
    }
    cr_assert_not_null(p);
    size_t n = strcspn(p, ",\n");
    cr_assert_lt(n, size);
    memcpy(out, p, n);
    out[n] = 0;
    return out;
}

Test(eth_ingest, etl_transactions_agree_field_by_field)
{
    const char *dir = "eth/ethereum-etl/test_export_blocks_job/blocks_with_transactions/";
    const char *files[] = {"web3_response.eth_getBlockByNumber_0xb872_true.json",
                           "web3_response.eth_getBlockByNumber_0xb873_true.json"};
    char rel[256];
    snprintf(rel, sizeof(rel), "%sexpected_transactions.csv", dir);
    size_t len;
    char *csv = (char *)tu_read_fixture(rel, &len);
    /* header: hash,nonce,block_hash,block_number,transaction_index,from_address,to_address,
     * value,gas,gas_price,input,... */
    char *line = strtok(csv, "\n");
    cr_assert_str_eq(line, "hash,nonce,block_hash,block_number,transaction_index,from_address,"
                           "to_address,value,gas,gas_price,input,block_timestamp,max_fee_per_gas,"
                           "max_priority_fee_per_gas,transaction_type");
    size_t rows = 0;
    for (int f = 0; f < 2; f++) {
        snprintf(rel, sizeof(rel), "%s%s", dir, files[f]);
        size_t tl;
        char *text = (char *)tu_read_fixture(rel, &tl);
        ct_json_doc d;
        ct_json_init(&d);
        cr_assert_eq(ct_json_parse(&d, text, tl, NULL, NULL), CT_OK);
        ct_arena *a = ct_arena_new(1 << 24);
        ct_eth_bundle b;
        ct_error err;
        ct_error_clear(&err);
        cr_assert_eq(ct_eth_json_block(&b, a, &d, ct_json_get(&d, 0, "result"), &err), CT_OK,
                     "%s %s", err.reason, err.detail);
        /* every sender recovered from the signature equals the node's from */
        cr_assert_eq(ct_eth_bundle_verify_txs(&b, 1, &err), CT_OK, "%s %s", err.reason, err.detail);
        for (uint32_t i = 0; i < b.n_txs; i++) {
            line = strtok(NULL, "\n");
            cr_assert_not_null(line);
            const ct_eth_tx *t = &b.txs[i].tx;
            cr_assert(b.txs[i].verified);
            char want[256], got[256];
            got[0] = '0', got[1] = 'x';
            ct_hex_encode(got + 2, t->hash, 32);
            cr_assert_str_eq(got, csv_field(line, 0, want, sizeof(want)));
            snprintf(got, sizeof(got), "%llu", (unsigned long long)t->nonce);
            cr_assert_str_eq(got, csv_field(line, 1, want, sizeof(want)));
            got[0] = '0', got[1] = 'x';
            ct_hex_encode(got + 2, b.hash, 32);
            cr_assert_str_eq(got, csv_field(line, 2, want, sizeof(want)));
            snprintf(got, sizeof(got), "%llu", (unsigned long long)b.height);
            cr_assert_str_eq(got, csv_field(line, 3, want, sizeof(want)));
            snprintf(got, sizeof(got), "%u", b.txs[i].index);
            cr_assert_str_eq(got, csv_field(line, 4, want, sizeof(want)));
            got[0] = '0', got[1] = 'x';
            ct_hex_encode(got + 2, t->from, 20);
            cr_assert_str_eq(got, csv_field(line, 5, want, sizeof(want)));
            ct_hex_encode(got + 2, t->to, 20);
            cr_assert_str_eq(got, csv_field(line, 6, want, sizeof(want)));
            ct_u256_to_dec(got, sizeof(got), &t->value);
            cr_assert_str_eq(got, csv_field(line, 7, want, sizeof(want)));
            snprintf(got, sizeof(got), "%llu", (unsigned long long)t->gas_limit);
            cr_assert_str_eq(got, csv_field(line, 8, want, sizeof(want)));
            ct_u256_to_dec(got, sizeof(got), &t->gas_price);
            cr_assert_str_eq(got, csv_field(line, 9, want, sizeof(want)));
            rows++;
        }
        ct_arena_free(a);
        ct_json_release(&d);
        free(text);
    }
    cr_assert_eq(rows, 4);
    cr_assert_null(strtok(NULL, "\n"));
    free(csv);
}

/* blocks 1755634-1755635 through the binary: transactions and token transfers as ethereum-etl
 * exported them (expected_*.json, one JSON object per line). */
Test(eth_ingest, etl_stream_transactions_and_token_transfers)
{
    char *dir = tu_fresh_db();
    tu_run r;
    ingest(&r, dir, (const char *[]){B634, B635, R635A, R635B, NULL}, true);
    cr_assert_eq(r.status, 0, "ingest: %s", r.err);
    tu_run_free(&r);
    size_t len;
    char *tt = (char *)tu_read_fixture(STREAM "expected_token_transfers.json", &len);
    size_t n = 0;
    for (char *line = strtok(tt, "\n"); line; line = strtok(NULL, "\n")) {
        json_t *j = json_loads(line, 0, NULL);
        cr_assert_not_null(j);
        const char *hash = json_string_value(json_object_get(j, "transaction_hash"));
        tu_exec(&r, (const char *[]){"--db", dir, "show", "tx", hash, NULL}, NULL);
        cr_assert_eq(r.status, 0, "%s", r.err);
        json_t *tx = json_loads(r.out, 0, NULL);
        cr_assert_not_null(tx, "%s", r.out);
        json_t *evs = json_object_get(tx, "events"), *tok = NULL;
        for (size_t i = 0; i < json_array_size(evs); i++)
            if (!strcmp(json_string_value(json_object_get(json_array_get(evs, i), "kind")),
                        "token"))
                tok = json_array_get(evs, i);
        cr_assert_not_null(tok);
        char a[43], b[43];
        snprintf(a, sizeof(a), "%s", json_string_value(json_object_get(tok, "from")));
        snprintf(b, sizeof(b), "%s", json_string_value(json_object_get(tok, "to")));
        lower(a);
        lower(b);
        cr_assert_str_eq(a, json_string_value(json_object_get(j, "from_address")));
        cr_assert_str_eq(b, json_string_value(json_object_get(j, "to_address")));
        char want[80];
        snprintf(want, sizeof(want), "%" JSON_INTEGER_FORMAT,
                 json_integer_value(json_object_get(j, "value")));
        cr_assert_str_eq(json_string_value(json_object_get(tok, "amount")), want);
        cr_assert_eq(json_integer_value(json_object_get(tx, "height")),
                     json_integer_value(json_object_get(j, "block_number")));
        json_decref(tx);
        json_decref(j);
        tu_run_free(&r);
        n++;
    }
    cr_assert_eq(n, 1);
    free(tt);
    /* the transactions: value, gas, status from expected_transactions.json */
    char *txs = (char *)tu_read_fixture(STREAM "expected_transactions.json", &len);
    n = 0;
    for (char *line = strtok(txs, "\n"); line; line = strtok(NULL, "\n")) {
        json_t *j = json_loads(line, 0, NULL);
        cr_assert_not_null(j);
        const char *hash = json_string_value(json_object_get(j, "hash"));
        tu_exec(&r, (const char *[]){"--db", dir, "show", "tx", hash, NULL}, NULL);
        cr_assert_eq(r.status, 0, "%s", r.err);
        json_t *tx = json_loads(r.out, 0, NULL);
        char want[80], from[43];
        json_t *v = json_object_get(j, "value");
        if (json_is_string(v))
            snprintf(want, sizeof(want), "%s", json_string_value(v));
        else
            snprintf(want, sizeof(want), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        cr_assert_str_eq(json_string_value(json_object_get(tx, "value_wei")), want);
        cr_assert_eq(json_integer_value(json_object_get(tx, "gas")),
                     json_integer_value(json_object_get(j, "gas")));
        cr_assert_eq(json_integer_value(json_object_get(tx, "nonce")),
                     json_integer_value(json_object_get(j, "nonce")));
        cr_assert_eq(json_integer_value(json_object_get(tx, "index")),
                     json_integer_value(json_object_get(j, "transaction_index")));
        snprintf(from, sizeof(from), "%s", json_string_value(json_object_get(tx, "from")));
        lower(from);
        cr_assert_str_eq(from, json_string_value(json_object_get(j, "from_address")));
        json_decref(tx);
        json_decref(j);
        tu_run_free(&r);
        n++;
    }
    cr_assert_eq(n, 2);
    free(txs);
    tu_fresh_db_done(dir);
}

/* Internal transfers: Parity trace_block and geth callTracer of the same four blocks give
 * the same transfers, which are ethereum-etl's expected traces with value > 0 below the top
 * level, not failed, and not callcode/delegatecall/staticcall (those move no ETH between
 * two addresses). */
static void traces_case(const char *name, size_t want)
{
    char rel[256], prefix[128];
    snprintf(prefix, sizeof(prefix), "eth/ethereum-etl/test_export_traces_job/block_with_%s/",
             name);
    /* the Parity file: its name holds the block number */
    const char *blocks[] = {"subtraces", "create", "error", "suicide"};
    const char *hexes[] = {"0xf4240", "0xf44f2", "0xf45bf", "0xf7105"};
    const char *hex = NULL;
    for (int i = 0; i < 4; i++)
        if (!strcmp(blocks[i], name))
            hex = hexes[i];
    cr_assert_not_null(hex);
    snprintf(rel, sizeof(rel), "%sweb3_response.trace_block_%s.json", prefix, hex);
    size_t pl, gl, cl;
    char *ptext = (char *)tu_read_fixture(rel, &pl);
    snprintf(rel, sizeof(rel),
             "eth/ethereum-etl/test_extract_geth_traces_job/block_with_%s/"
             "web3_response.debug_traceBlockByNumber_%s_tracer_calltracer.json",
             name, hex);
    char *gtext = (char *)tu_read_fixture(rel, &gl);
    snprintf(rel, sizeof(rel), "%sexpected_traces.csv", prefix);
    char *csv = (char *)tu_read_fixture(rel, &cl);
    ct_json_doc pd, gd;
    ct_json_init(&pd);
    ct_json_init(&gd);
    cr_assert_eq(ct_json_parse(&pd, ptext, pl, NULL, NULL), CT_OK);
    cr_assert_eq(ct_json_parse(&gd, gtext, gl, NULL, NULL), CT_OK);
    uint32_t pres = ct_json_get(&pd, 0, "result"), gres = ct_json_get(&gd, 0, "result");
    /* a bundle with the block's transactions as the traces name them */
    ct_arena *a = ct_arena_new(1 << 24);
    ct_eth_bundle pb, gb;
    memset(&pb, 0, sizeof(pb));
    uint32_t ntx = ct_json_count(&gd, gres);
    pb.n_txs = ntx;
    pb.txs = ct_arena_alloc(a, ntx ? ntx : 1, sizeof(ct_eth_btx));
    memset(pb.txs, 0, (ntx ? ntx : 1) * sizeof(ct_eth_btx));
    for (uint32_t e = ct_json_first(&pd, pres); e; e = ct_json_next(&pd, pres, e)) {
        uint32_t tp = ct_json_get(&pd, e, "transactionPosition"), th;
        uint64_t pos;
        if (!tp || ct_json_type_of(&pd, tp) != CT_JSON_NUMBER)
            continue;
        cr_assert_eq(ct_json_u64(&pd, tp, &pos), CT_OK);
        cr_assert_lt(pos, ntx);
        th = ct_json_get(&pd, e, "transactionHash");
        size_t hl;
        const char *hs = ct_json_raw(&pd, th, &hl);
        cr_assert_eq(ct_hex_decode(pb.txs[pos].tx.hash, hs + 2, 32), CT_OK);
        pb.txs[pos].index = (uint32_t)pos;
    }
    gb = pb;
    gb.txs = ct_arena_alloc(a, ntx ? ntx : 1, sizeof(ct_eth_btx));
    memcpy(gb.txs, pb.txs, (ntx ? ntx : 1) * sizeof(ct_eth_btx));
    ct_eth_bundle eb = pb;
    eb.txs = ct_arena_alloc(a, ntx ? ntx : 1, sizeof(ct_eth_btx));
    memcpy(eb.txs, pb.txs, (ntx ? ntx : 1) * sizeof(ct_eth_btx));
    ct_error err;
    ct_error_clear(&err);
    cr_assert_eq(ct_eth_json_parity_traces(&pb, a, &pd, pres, &err), CT_OK, "%s %s", err.reason,
                 err.detail);
    /* --etl: ethereum-etl's own CSV of these traces (RFC 4180 -> JSON lines -> traces) gives
     * the same transfers as the node's trace_block, and its one block reward */
    ct_buf jl;
    ct_buf_init(&jl, 1u << 24);
    cr_assert_eq(ct_eth_csv_to_jsonl(csv, cl, NULL, (const char *[]){"trace_address", NULL}, NULL,
                                     &jl, &err),
                 CT_OK, "%s %s", err.reason, err.detail);
    uint32_t *caps = ct_arena_alloc(a, ntx ? ntx : 1, sizeof(uint32_t));
    memset(caps, 0, (ntx ? ntx : 1) * sizeof(uint32_t));
    size_t etl_lines = 0;
    ct_json_doc ld;
    ct_json_init(&ld);
    for (size_t p = 0; p < jl.len;) {
        const char *nl = memchr(jl.data + p, '\n', jl.len - p);
        cr_assert_not_null(nl);
        size_t e = (size_t)((const uint8_t *)nl - jl.data);
        cr_assert_eq(ct_json_parse(&ld, (const char *)jl.data + p, e - p, NULL, NULL), CT_OK);
        cr_assert_eq(ct_eth_etl_trace(&eb, a, &ld, 0, caps, &err), CT_OK, "%s %s", err.reason,
                     err.detail);
        etl_lines++;
        p = e + 1;
    }
    ct_json_release(&ld);
    ct_buf_release(&jl);
    size_t records = 0; /* the CSV's lines after the header, counted in its own text */
    for (size_t k = 0; k < cl; k++)
        records += csv[k] == '\n';
    cr_assert_eq(etl_lines, records - 1);
    for (uint32_t i = 0; i < ntx; i++) {
        cr_assert(eb.txs[i].has_trace);
        cr_assert_eq(eb.txs[i].trace_failed, pb.txs[i].trace_failed, "tx %u", i);
        cr_assert_eq(eb.txs[i].n_itx, pb.txs[i].n_itx, "tx %u: etl %u, parity %u", i,
                     eb.txs[i].n_itx, pb.txs[i].n_itx);
        for (uint32_t k = 0; k < eb.txs[i].n_itx; k++) {
            cr_assert_eq(eb.txs[i].itx[k].kind, pb.txs[i].itx[k].kind);
            cr_assert_eq(memcmp(eb.txs[i].itx[k].from, pb.txs[i].itx[k].from, 20), 0);
            cr_assert_eq(memcmp(eb.txs[i].itx[k].to, pb.txs[i].itx[k].to, 20), 0);
            cr_assert_eq(ct_u256_cmp(&eb.txs[i].itx[k].value, &pb.txs[i].itx[k].value), 0);
        }
    }
    cr_assert_eq(eb.n_rewards, 1); /* pre-Byzantium: 5 ETH to the miner, no uncle */
    char rdec[96];
    ct_u256_to_dec(rdec, sizeof(rdec), &eb.rewards[0].value);
    cr_assert_str_eq(rdec, "5000000000000000000");
    /* the node's trace_block says the same: its `reward` trace is a reward of the bundle */
    cr_assert_eq(pb.n_rewards, 1);
    cr_assert_eq(memcmp(pb.rewards[0].to, eb.rewards[0].to, 20), 0);
    cr_assert_eq(ct_u256_cmp(&pb.rewards[0].value, &eb.rewards[0].value), 0);
    int grc = ct_eth_json_calltraces(&gb, a, &gd, gres, &err);
    if (!strcmp(name, "suicide")) {
        /* geth's callTracer of 2016 gave SELFDESTRUCT frames without from/to/value */
        cr_assert_eq(grc, CT_ECORRUPT);
        cr_assert_str_eq(err.reason, "bad-trace");
        cr_assert_str_eq(err.detail, "a SELFDESTRUCT frame without from/to/value (an old geth "
                                     "callTracer): its transfer is unknown; use trace_block");
        gb = pb;
    } else {
        cr_assert_eq(grc, CT_OK, "%s %s", err.reason, err.detail);
    }
    /* expected: from the CSV */
    size_t n = 0, got = 0;
    char *line = strtok(csv, "\n"); /* header */
    cr_assert(strncmp(line,
                      "block_number,transaction_hash,transaction_index,from_address,"
                      "to_address,value,input,output,trace_type,call_type",
                      100) == 0);
    for (uint32_t i = 0; i < ntx; i++) {
        got += pb.txs[i].n_itx;
        cr_assert_eq(pb.txs[i].n_itx, gb.txs[i].n_itx, "tx %u: parity %u, callTracer %u", i,
                     pb.txs[i].n_itx, gb.txs[i].n_itx);
    }
    uint32_t seen[64] = {0};
    while ((line = strtok(NULL, "\n")) != NULL) {
        char txi[16], from[64], to[64], value[96], type[32], ctype[32], taddr[64], status[8];
        csv_field(line, 2, txi, sizeof(txi));
        csv_field(line, 3, from, sizeof(from));
        csv_field(line, 4, to, sizeof(to));
        csv_field(line, 5, value, sizeof(value));
        csv_field(line, 8, type, sizeof(type));
        csv_field(line, 9, ctype, sizeof(ctype));
        csv_field(line, 14, taddr, sizeof(taddr));
        csv_field(line, 16, status, sizeof(status));
        if (!taddr[0] || !value[0] || !strcmp(value, "0") || strcmp(status, "1") ||
            !strcmp(ctype, "callcode") || !strcmp(ctype, "delegatecall") ||
            !strcmp(ctype, "staticcall") || !strcmp(type, "reward"))
            continue;
        uint32_t ti = (uint32_t)atoi(txi);
        cr_assert_lt(ti, ntx);
        cr_assert_lt(seen[ti], pb.txs[ti].n_itx, "tx %u: expected transfer %s missing", ti, line);
        const ct_eth_itx *x = &pb.txs[ti].itx[seen[ti]], *y = &gb.txs[ti].itx[seen[ti]];
        char hx[43] = "0x", dec[96];
        ct_hex_encode(hx + 2, x->from, 20);
        cr_assert_str_eq(hx, from);
        ct_hex_encode(hx + 2, x->to, 20);
        cr_assert_str_eq(hx, to);
        ct_u256_to_dec(dec, sizeof(dec), &x->value);
        cr_assert_str_eq(dec, value);
        cr_assert_eq(memcmp(x->from, y->from, 20), 0);
        cr_assert_eq(memcmp(x->to, y->to, 20), 0);
        cr_assert_eq(ct_u256_cmp(&x->value, &y->value), 0);
        seen[ti]++;
        n++;
    }
    cr_assert_eq(n, want);
    cr_assert_eq(got, want);
    ct_arena_free(a);
    ct_json_release(&pd);
    ct_json_release(&gd);
    free(ptext);
    free(gtext);
    free(csv);
}

Test(eth_ingest, traces_subtraces_callcode_moves_nothing)
{
    traces_case("subtraces", 0);
}
Test(eth_ingest, traces_create)
{
    traces_case("create", 0);
}
Test(eth_ingest, traces_error_subtree_dropped)
{
    traces_case("error", 0);
}
Test(eth_ingest, traces_suicide_is_one_internal_transfer)
{
    traces_case("suicide", 1);
}

/* ---- geth's checkpoints (GPL-3.0: read in place) ---- */
Test(eth_ingest, geth_checkpoint_block_0)
{
    json_error_t je;
    json_t *h = json_load_file(CT_SHARED_FIXTURES "/eth/geth/history_mainnet.json", 0, &je);
    cr_assert_not_null(h, "%s", je.text);
    json_t *nums = json_object_get(h, "blockNumbers"), *hashes = json_object_get(h, "blockHashes"),
           *counts = json_object_get(h, "txCounts");
    cr_assert_eq(json_integer_value(json_array_get(nums, 0)), 0);
    char *dir = tu_fresh_db();
    tu_run r;
    ingest(&r, dir,
           (const char *[]){"eth/ethereum-etl/test_export_blocks_job/block_without_transactions/"
                            "web3_response.eth_getBlockByNumber_0x0_true.json",
                            NULL},
           true);
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
    tu_exec(&r, (const char *[]){"--db", dir, "show", "block", "0", "--chain", "ethereum", NULL},
            NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    json_t *b = json_loads(r.out, 0, NULL);
    cr_assert_str_eq(json_string_value(json_object_get(b, "hash")),
                     json_string_value(json_array_get(hashes, 0)));
    cr_assert_eq(json_integer_value(json_object_get(b, "txs")),
                 json_integer_value(json_array_get(counts, 0)));
    json_decref(b);
    json_decref(h);
    tu_run_free(&r);
    tu_fresh_db_done(dir);
}

/* ---- the account graph over the database: walk a real address's ledger ---- */
Test(eth_ingest, acct_graph_db_walks_a_ledger)
{
    char *dir = db_19433902();
    ct_db *db = tu_db_open(dir, false);
    ct_db_snapshot *snap = ct_db_snapshot_new(db);
    ct_acct_graph g;
    cr_assert_eq(ct_acct_graph_db(&g, db, snap, NULL), CT_OK);
    /* the sender of tx 0, 0xf49d4e12...: its ETH ledger in the block is tx 0's value
     * (0x16345785d8a0000 = 0.1 ETH) and its fee (burnt, priority); any case is accepted */
    uint64_t id;
    cr_assert_eq(g.addrid_of(g.ctx, "0xF49D4E1220D409E754955BA91062C2B0B67FDE4C", &id, NULL),
                 CT_OK);
    char shown[43];
    cr_assert_eq(g.address_of(g.ctx, id, shown, NULL), CT_OK);
    /* shown in EIP-55: mixed case that ethereum.h's parser accepts only with a valid checksum */
    uint8_t back[20];
    cr_assert_eq(ct_eth_address_parse(back, shown, strlen(shown), NULL), CT_OK);
    cr_assert_neq(strcmp(shown, "0xf49d4e1220d409e754955ba91062c2b0b67fde4c"), 0);
    lower(shown);
    cr_assert_str_eq(shown, "0xf49d4e1220d409e754955ba91062c2b0b67fde4c");
    ct_acct_event e;
    ct_acct_pos at;
    size_t n = 0;
    ct_u256 sum = ct_u256_from_u64(0);
    int rc;
    while ((rc = g.ledger_next(g.ctx, id, CT_ACCT_ASSET_ETH, n ? &at : NULL, &e, NULL)) == CT_OK) {
        cr_assert(e.from == id || e.to == id);
        if (n)
            cr_assert_eq(ct_acct_pos_cmp(&at, &e.at), -1, "events in order");
        if (e.from == id)
            cr_assert(!ct_u256_add(&sum, &sum, &e.amount));
        at = e.at;
        n++;
    }
    cr_assert_eq(rc, CT_ENOTFOUND);
    cr_assert_eq(n, 3); /* the value, the burnt and the priority fee of tx 0 */
    /* 10^17 + gasUsed 0x36c9a x effectiveGasPrice 0xfb62c8eca (python: 15143384929344900) */
    char dec[80];
    ct_u256_to_dec(dec, sizeof(dec), &sum);
    cr_assert_str_eq(dec, "115143384929344900");
    /* its token ledgers: one asset per token it touched, ascending */
    uint32_t t;
    cr_assert_eq(g.tip(g.ctx, &t, &e.time, NULL), CT_OK);
    cr_assert_eq(t, 19433902);
    cr_assert_eq(e.time, 0x65f30cb7);
    uint64_t none;
    cr_assert_eq(g.addrid_of(g.ctx, "0x0000000000000000000000000000000000000001", &none, NULL),
                 CT_ENOTFOUND);
    cr_assert_eq(g.addrid_of(g.ctx, "0x12", &none, NULL), CT_EINVAL);
    ct_acct_graph_db_free(&g);
    ct_db_snapshot_free(db, snap);
    ct_db_close(db);
    tu_fresh_db_done(dir);
}

/* ---- E13 for headers: the hash of every real JSON block is recomputed from its fields ---- */

/* Every block object (one with parentHash and transactions) under node i. */
static void find_blocks(const ct_json_doc *d, uint32_t i, uint32_t *out, size_t *n)
{
    ct_json_type t = ct_json_type_of(d, i);
    if (t == CT_JSON_OBJECT && ct_json_get(d, i, "parentHash") &&
        ct_json_get(d, i, "transactions")) {
        cr_assert_lt(*n, 8);
        out[(*n)++] = i;
        return;
    }
    if (t == CT_JSON_ARRAY)
        for (uint32_t c = ct_json_first(d, i); c; c = ct_json_next(d, i, c))
            find_blocks(d, c, out, n);
    else if (t == CT_JSON_OBJECT)
        for (uint32_t k = ct_json_first(d, i); k; k = ct_json_next(d, i, k + 1))
            find_blocks(d, k + 1, out, n);
}

/* Parses the block of path; tamper != NULL replaces the first occurrence of tamper[0] with
 * tamper[1] (same length) first. Returns ct_eth_json_block's code; *fields the header's
 * field count through the height's fork. */
static int json_block_of(const char *path, const char *const *tamper, ct_error *err,
                         uint64_t *height)
{
    size_t tl;
    char *text = (char *)tu_read_file(path, &tl);
    cr_assert_not_null(text, "%s", path);
    if (tamper) {
        char *p = strstr(text, tamper[0]);
        cr_assert_not_null(p, "%s has no %s", path, tamper[0]);
        cr_assert_eq(strlen(tamper[0]), strlen(tamper[1]));
        memcpy(p, tamper[1], strlen(tamper[1]));
    }
    ct_json_doc d;
    ct_json_init(&d);
    cr_assert_eq(ct_json_parse(&d, text, tl, NULL, NULL), CT_OK, "%s", path);
    uint32_t blocks[8];
    size_t n = 0;
    find_blocks(&d, 0, blocks, &n);
    cr_assert_eq(n, 1, "%s: %zu blocks", path, n);
    ct_arena *a = ct_arena_new(1 << 26);
    ct_eth_bundle b;
    ct_error_clear(err);
    int rc = ct_eth_json_block(&b, a, &d, blocks[0], err);
    *height = b.height;
    ct_arena_free(a);
    ct_json_release(&d);
    free(text);
    return rc;
}

Test(eth_ingest, every_json_block_hash_is_recomputed)
{
    /* every block with full transactions among the committed fixtures, then the MIT ones of
     * ../shared (trin's London and Shanghai blocks); the heights say which block was read */
    static const struct {
        const char *path;
        bool shared;
        uint64_t height;
    } files[] = {
        {TRIN "eth_getBlockByNumber_19433902_full.json", false, 19433902},  /* Cancun, 20 */
        {TRIN "eth_getBlockByNumber_15573637_batch.json", false, 15573637}, /* London, 16 */
        {B634, false, 1755634},
        {B635, false, 1755635},
        {STREAM "web3_response.eth_getBlockByNumber_latest_false.json", false, 7444794},
        {"eth/ethereum-etl/test_export_blocks_job/blocks_with_transactions/"
         "web3_response.eth_getBlockByNumber_0xb872_true.json",
         false, 47218},
        {"eth/ethereum-etl/test_export_blocks_job/blocks_with_transactions/"
         "web3_response.eth_getBlockByNumber_0xb873_true.json",
         false, 47219},
        {"eth/ethereum-etl/test_export_blocks_job/block_without_transactions/"
         "web3_response.eth_getBlockByNumber_0x0_true.json",
         false, 0},
        {"eth/rpc_traces/web3_response.eth_getBlockByNumber_0x0_true.json", false, 0},
        {"/eth/jsonrpc/trin/eth_getBlockByNumber_17034873_full.json", true, 17034873},
        {"/eth/jsonrpc/trin/eth_getBlockByNumber_17034871_full.json", true, 17034871},
        {"/eth/jsonrpc/trin/eth_getBlockByNumber_14764013_full.json", true, 14764013},
        {"/eth/jsonrpc/ethereum-etl/test_export_blocks_job/block_with_logs/"
         "web3_response.eth_getBlockByNumber_0x76250_true.json",
         true, 483920},
    };
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        char path[512];
        if (files[i].shared) {
            snprintf(path, sizeof(path), "%s%s", CT_SHARED_FIXTURES, files[i].path);
        } else {
            char *p = tu_fixture(files[i].path);
            snprintf(path, sizeof(path), "%s", p);
            free(p);
        }
        ct_error err;
        uint64_t h = 0;
        cr_assert_eq(json_block_of(path, NULL, &err, &h), CT_OK, "%s: %s %s", path, err.reason,
                     err.detail);
        cr_assert_eq(h, files[i].height, "%s", path);
    }
}

Test(eth_ingest, a_tampered_header_is_a_block_hash_mismatch)
{
    char *p = tu_fixture(TRIN "eth_getBlockByNumber_19433902_full.json");
    /* each of these header fields changed by one digit: stateRoot (of the 15), the base
     * fee (London), parentBeaconBlockRoot and excessBlobGas (Cancun) */
    static const char *const tampers[][2] = {
        {"\"stateRoot\":\"0x74e1", "\"stateRoot\":\"0x74e2"},
        {"\"baseFeePerGas\":\"0xfb41590cc\"", "\"baseFeePerGas\":\"0xfb41590cd\""},
        {"\"parentBeaconBlockRoot\":\"0xdc17", "\"parentBeaconBlockRoot\":\"0xdc18"},
        {"\"excessBlobGas\":\"0x0\"", "\"excessBlobGas\":\"0x1\""},
    };
    char text[128];
    size_t tl;
    char *doc = (char *)tu_read_file(p, &tl);
    for (size_t i = 0; i < sizeof(tampers) / sizeof(tampers[0]); i++) {
        cr_assert_not_null(strstr(doc, tampers[i][0]), "fixture lacks %s", tampers[i][0]);
        ct_error err;
        uint64_t h = 0;
        cr_assert_eq(json_block_of(p, tampers[i], &err, &h), CT_ECORRUPT, "%s", tampers[i][1]);
        cr_assert_str_eq(err.reason, "mismatch");
        cr_assert_eq(err.height, 19433902);
        snprintf(text, sizeof(text), "block hash mismatch at height 19433902: the header's 20 "
                                     "fields hash to 0x");
        cr_assert_eq(strncmp(err.detail, text, strlen(text)), 0, "%s", err.detail);
    }
    free(doc);
    /* through the command: exit 4 (corrupt input), the message names height and reason */
    char *tmp = tu_tmpdir(), *dir = tu_fresh_db();
    char bad[512];
    snprintf(bad, sizeof(bad), "%s/tampered.json", tmp);
    doc = (char *)tu_read_file(p, &tl);
    char *at = strstr(doc, "\"stateRoot\":\"0x74e1");
    cr_assert_not_null(at);
    at[strlen("\"stateRoot\":\"0x74e")] = '2';
    cr_assert_eq(tu_write_file(bad, doc, tl), 0);
    free(doc);
    char *rec = tu_fixture(TRIN "eth_getBlockReceipts_19433902.json");
    tu_run r;
    ingest(&r, dir, (const char *[]){bad, rec, NULL}, false);
    cr_assert_neq(r.status, 0);
    cr_assert(strstr(r.err, "height 19433902") && strstr(r.err, "mismatch: block hash mismatch "
                                                                 "at height 19433902"),
              "%s", r.err);
    tu_run_free(&r);
    assert_no_database(dir);
    free(rec);
    free(p);
    tu_rmtree(tmp);
    free(tmp);
    tu_fresh_db_done(dir);
}

/* ---- token metadata in --json: saved eth_call answers of symbol() and decimals() ----
 * Real mainnet answers kept by ethereum-etl (fixtures/eth/rpc_tokens): EOS answers symbol
 * as a bytes32, 0xf763...0054 as a string of 6 bytes "ETH\0\0\0" (its "invalid data" case),
 * 0xdbda...9e6a an empty string and 0 decimals; ethereum-etl expects EOS/18, ETH/18 and
 * ""/0. name() and totalSupply() answers (../shared) are accepted and not used. */
#define TOK "eth/rpc_tokens/web3_response.eth_call_data_"
Test(eth_ingest, json_token_metadata_from_saved_eth_calls)
{
    const char *rels[] = {
        B634,
        TOK "0x95d89b41_to_0x86fa049857e0209aa7d9e616f7eb3b3b78ecfdb0_latest.json",
        TOK "0x313ce567_to_0x86fa049857e0209aa7d9e616f7eb3b3b78ecfdb0_latest.json",
        TOK "0x95d89b41_to_0xf763be8b3263c268e9789abfb3934564a7b80054_latest.json",
        TOK "0x313ce567_to_0xf763be8b3263c268e9789abfb3934564a7b80054_latest.json",
        TOK "0x95d89b41_to_0xdbdacfc9eb9d42559ac1efbdb40460c728139e6a_latest.json",
        TOK "0x313ce567_to_0xdbdacfc9eb9d42559ac1efbdb40460c728139e6a_latest.json",
    };
    char *paths[9];
    for (size_t i = 0; i < 7; i++)
        paths[i] = tu_fixture(rels[i]);
    paths[7] = strdup(CT_SHARED_FIXTURES "/eth/jsonrpc/ethereum-etl/test_export_tokens_job/"
                                         "token_with_invalid_data/web3_response.eth_call_data_"
                                         "0x06fdde03_to_0xf763be8b3263c268e9789abfb3934564a7b80054_"
                                         "latest.json");
    paths[8] = strdup(CT_SHARED_FIXTURES "/eth/jsonrpc/ethereum-etl/test_export_tokens_job/"
                                         "token_with_invalid_data/web3_response.eth_call_data_"
                                         "0x18160ddd_to_0xf763be8b3263c268e9789abfb3934564a7b80054_"
                                         "latest.json");
    ct_eth_source src;
    ct_error err;
    ct_error_clear(&err);
    cr_assert_eq(ct_eth_source_json(&src, (const char *const *)paths, 9, &err), CT_OK, "%s %s",
                 err.reason, err.detail);
    ct_eth_bundle b;
    cr_assert_eq(src.ops->block(src.ctx, 1755634, &b, &err), CT_OK, "%s %s", err.reason,
                 err.detail);
    cr_assert_eq(b.n_tokens, 3);
    static const struct {
        const char *contract, *symbol;
        int decimals;
    } want[] = {{"86fa049857e0209aa7d9e616f7eb3b3b78ecfdb0", "EOS", 18},
                {"f763be8b3263c268e9789abfb3934564a7b80054", "ETH", 18},
                {"dbdacfc9eb9d42559ac1efbdb40460c728139e6a", "", 0}};
    for (size_t i = 0; i < 3; i++) {
        char hx[41];
        ct_hex_encode(hx, b.tokens[i].contract, 20);
        cr_assert_str_eq(hx, want[i].contract);
        cr_assert_str_eq(b.tokens[i].symbol, want[i].symbol);
        cr_assert(b.tokens[i].has_decimals);
        cr_assert_eq(b.tokens[i].decimals, want[i].decimals);
    }
    src.ops->close(src.ctx);
    /* an answer without a result is refused naming the file */
    char *tmp = tu_tmpdir();
    char bad[512];
    snprintf(bad, sizeof(bad),
             "%s/web3_response.eth_call_data_0x313ce567_to_0x86fa049857e0209aa7d9e616f7eb3b3b78ecfdb0_"
             "latest.json",
             tmp);
    const char *body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"0x12\"}";
    cr_assert_eq(tu_write_file(bad, body, strlen(body)), 0);
    const char *two[] = {paths[0], bad};
    ct_error_clear(&err);
    cr_assert_eq(ct_eth_source_json(&src, two, 2, &err), CT_OK);
    cr_assert_eq(src.ops->block(src.ctx, 1755634, &b, &err), CT_OK);
    /* one byte is no uint8 ABI word: decimals unknown, as --rpc would say */
    cr_assert_eq(b.n_tokens, 1);
    cr_assert(!b.tokens[0].has_decimals);
    src.ops->close(src.ctx);
    body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"0x1\"}";
    cr_assert_eq(tu_write_file(bad, body, strlen(body)), 0);
    cr_assert_eq(ct_eth_source_json(&src, two, 2, &err), CT_ECORRUPT);
    cr_assert_str_eq(err.reason, "bad-data");
    cr_assert_str_eq(err.file, bad);
    /* the request kept in the file names the call, whatever the file's name */
    char req[512];
    snprintf(req, sizeof(req), "%s/symbol.json", tmp);
    body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_call\",\"params\":[{\"to\":"
           "\"0x86FA049857E0209AA7D9E616F7EB3B3B78ECFDB0\",\"data\":\"0x95d89b41\"},"
           "\"latest\"],\"result\":"
           "\"0x454f530000000000000000000000000000000000000000000000000000000000\"}";
    cr_assert_eq(tu_write_file(req, body, strlen(body)), 0);
    const char *three[] = {paths[0], req};
    ct_error_clear(&err);
    cr_assert_eq(ct_eth_source_json(&src, three, 2, &err), CT_OK, "%s", err.detail);
    cr_assert_eq(src.ops->block(src.ctx, 1755634, &b, &err), CT_OK);
    cr_assert_eq(b.n_tokens, 1);
    cr_assert_str_eq(b.tokens[0].symbol, "EOS");
    cr_assert(!b.tokens[0].has_decimals);
    src.ops->close(src.ctx);
    tu_rmtree(tmp);
    free(tmp);
    for (size_t i = 0; i < 9; i++)
        free(paths[i]);
}

/* ---- nested use of ct_acct_graph_db: ledger_next (and tx_events) called from inside the
 * ledger_assets callback, as an extraction loop does. Every event of block 19433902 is on
 * the ledger of its sender or of its recipient; walking every address's every ledger from
 * inside the asset walk must reach each of them (a shared cursor once lost 41 of 743). ---- */
typedef struct nested {
    ct_acct_graph *g;
    uint64_t addrid;
    size_t assets, ledger_events;
    ct_acct_pos seen[4096]; /* the position of every event reached, with repeats */
    size_t n_seen;
} nested;

static int nested_asset(void *arg, uint32_t asset)
{
    nested *w = arg;
    ct_acct_event e;
    ct_acct_pos at;
    size_t n = 0;
    int rc;
    w->assets++;
    while ((rc = w->g->ledger_next(w->g->ctx, w->addrid, asset, n ? &at : NULL, &e, NULL)) ==
           CT_OK) {
        cr_assert_eq(e.asset, asset);
        cr_assert(e.from == w->addrid || e.to == w->addrid);
        cr_assert_lt(w->n_seen, 4096);
        w->seen[w->n_seen++] = e.at;
        if (e.at.tx_index != CT_ACCT_BLOCK_LEVEL) {
            /* and the tx's events, from inside the same callback */
            collect c = {.n = 0};
            cr_assert_eq(w->g->tx_events(w->g->ctx, e.txhash, collect_cb, &c, NULL), CT_OK);
        }
        at = e.at;
        n++;
        w->ledger_events++;
    }
    cr_assert_eq(rc, CT_ENOTFOUND);
    return 0;
}

static int pos_cmp(const void *a, const void *b)
{
    return ct_acct_pos_cmp(a, b);
}

static int flat_asset(void *arg, uint32_t asset)
{
    size_t *n = arg;
    (void)asset;
    (*n)++;
    return 0;
}

Test(eth_ingest, acct_graph_db_nested_walks_reach_every_event)
{
    char *dir = tu_fresh_db();
    tu_run r;
    ingest(&r, dir,
           (const char *[]){TRIN "eth_getBlockByNumber_19433902_full.json",
                            TRIN "eth_getBlockReceipts_19433902.json", NULL},
           true);
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
    ct_db *db = tu_db_open(dir, false);
    ct_eth_stats st;
    cr_assert_eq(ct_eth_stats_get(db, &st, NULL), CT_OK);
    cr_assert_eq(st.events, 743);
    ct_db_snapshot *snap = ct_db_snapshot_new(db);
    ct_acct_graph g;
    cr_assert_eq(ct_acct_graph_db(&g, db, snap, NULL), CT_OK);
    static nested w;
    memset(&w, 0, sizeof(w));
    w.g = &g;
    size_t flat_assets = 0;
    for (uint64_t id = 1; id <= st.addresses; id++) {
        size_t before = w.assets, flat = 0;
        w.addrid = id;
        cr_assert_eq(g.ledger_assets(g.ctx, id, nested_asset, &w, NULL), CT_OK, "addrid %llu",
                     (unsigned long long)id);
        cr_assert_eq(g.ledger_assets(g.ctx, id, flat_asset, &flat, NULL), CT_OK);
        cr_assert_eq(w.assets - before, flat, "addrid %llu: nested walk saw %zu of %zu assets",
                     (unsigned long long)id, w.assets - before, flat);
        flat_assets += flat;
    }
    cr_assert_eq(w.assets, flat_assets);
    qsort(w.seen, w.n_seen, sizeof(w.seen[0]), pos_cmp);
    size_t distinct = 0;
    for (size_t i = 0; i < w.n_seen; i++)
        if (i == 0 || ct_acct_pos_cmp(&w.seen[i - 1], &w.seen[i]) != 0)
            distinct++;
    cr_assert_eq(distinct, 743, "distinct events reached: %zu", distinct);
    ct_acct_graph_db_free(&g);
    ct_db_snapshot_free(db, snap);
    ct_db_close(db);
    tu_fresh_db_done(dir);
}

/* ---- --etl: ethereum-etl's own export of blocks 17173049-17173050 (JSON lines) ---- */
#define ETL2 "eth/ethereum-etl/test_stream/blocks_17173049_17173050/"

static char *etl_dir(void)
{
    char *tmp = tu_tmpdir();
    const char *names[][2] = {{"expected_blocks.json", "blocks.json"},
                              {"expected_transactions.json", "transactions.json"},
                              {"expected_logs.json", "logs.json"}};
    for (int i = 0; i < 3; i++) {
        char rel[256], path[512];
        size_t len;
        snprintf(rel, sizeof(rel), ETL2 "%s", names[i][0]);
        uint8_t *data = tu_read_fixture(rel, &len);
        snprintf(path, sizeof(path), "%s/%s", tmp, names[i][1]);
        cr_assert_eq(tu_write_file(path, data, len), 0);
        free(data);
    }
    return tmp;
}

/* ---- --etl with CSV: GraphSense's simple_graph (MIT, fixtures/eth/graphsense-lib): blocks
 * 46147-46230 with the first ETH transfers, as its ethereum-etl based export writes them
 * (camelCase columns, values such as 199e17). Its reference address graph, computed by
 * GraphSense's own pipeline, is the expected output: our ETH transfers summed per (from,
 * to) are its edges with a value (its one zero-value edge, a 0-wei self-transfer, makes no
 * event here). Its 85 reward traces in the range are our trace rewards. ---- */
#define SG "eth/graphsense-lib/simple_graph/"

typedef struct sg_edge {
    char src[43], dst[43];
    unsigned n;
    ct_u256 sum;
} sg_edge;

static char *sg_dir(void);
static char *etl_dir(void);

static void sg_ingest(const char *db, const char *etl, const char *to)
{
    tu_run r;
    const char *argv[] = {"--db", db, "ingest", "ethereum", "--quiet", "--etl", etl,
                          "--trust-senders", to ? "--to" : NULL, to, NULL};
    tu_exec(&r, argv, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
}

static char *eth_digest(const char *db)
{
    tu_run r;
    tu_exec(&r, (const char *[]){"--db", db, "verify", NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
    char *p = strstr(r.out, "ethereum digest ");
    cr_assert_not_null(p);
    char *d = strndup(p + 16, 64);
    tu_run_free(&r);
    return d;
}

/* The trace rewards and transfers of an --etl CSV ingest roll back through their undo rows:
 * rolled back to 46150, the database equals one that ingested only up to 46150, and
 * ingesting again gives the first digest back. */
Test(eth_ingest, etl_csv_trace_rewards_roll_back)
{
    char *etl = sg_dir(), *db = tu_fresh_db(), *control = tu_fresh_db();
    sg_ingest(db, etl, NULL);
    char *full = eth_digest(db);
    tu_run r;
    tu_exec(&r, (const char *[]){"--db", db, "rollback", "--to", "46150", "--chain", "ethereum",
                                 NULL},
            NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
    sg_ingest(control, etl, "46150");
    char *a = eth_digest(db), *b = eth_digest(control);
    cr_assert_str_eq(a, b);
    cr_assert_str_neq(a, full);
    sg_ingest(db, etl, NULL);
    char *again = eth_digest(db);
    cr_assert_str_eq(again, full);
    free(full);
    free(a);
    free(b);
    free(again);
    tu_rmtree(etl);
    free(etl);
    tu_fresh_db_done(db);
    tu_fresh_db_done(control);
}

/* blocks, transactions and traces of simple_graph, and an empty logs.csv (simple_graph has
 * no logs export: its header only) */
static char *sg_dir(void)
{
    char *tmp = tu_tmpdir();
    const char *names[] = {"blocks.csv", "transactions.csv", "traces.csv"};
    for (int i = 0; i < 3; i++) {
        char rel[256], path[512];
        size_t len;
        snprintf(rel, sizeof(rel), SG "%s", names[i]);
        uint8_t *data = tu_read_fixture(rel, &len);
        snprintf(path, sizeof(path), "%s/%s", tmp, names[i]);
        cr_assert_eq(tu_write_file(path, data, len), 0);
        free(data);
    }
    char path[512];
    snprintf(path, sizeof(path), "%s/logs.csv", tmp);
    const char *lh = "block_number,transaction_index,transaction_hash,log_index,address,data,topics\n";
    cr_assert_eq(tu_write_file(path, lh, strlen(lh)), 0);
    return tmp;
}

Test(eth_ingest, etl_csv_graphsense_address_graph_agrees)
{
    char *tmp = tu_tmpdir(), *dir = tu_fresh_db();
    const char *names[] = {"blocks.csv", "transactions.csv", "traces.csv"};
    for (int i = 0; i < 3; i++) {
        char rel[256], path[512];
        size_t len;
        snprintf(rel, sizeof(rel), SG "%s", names[i]);
        uint8_t *data = tu_read_fixture(rel, &len);
        snprintf(path, sizeof(path), "%s/%s", tmp, names[i]);
        cr_assert_eq(tu_write_file(path, data, len), 0);
        free(data);
    }
    /* simple_graph has no logs export: an empty one (its header only) */
    char path[512];
    snprintf(path, sizeof(path), "%s/logs.csv", tmp);
    const char *lh = "block_number,transaction_index,transaction_hash,log_index,address,data,topics\n";
    cr_assert_eq(tu_write_file(path, lh, strlen(lh)), 0);
    tu_run r;
    tu_exec(&r,
            (const char *[]){"--db", dir, "ingest", "ethereum", "--quiet", "--etl", tmp,
                             "--trust-senders", NULL},
            NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
    json_t *j = stats_json(dir);
    cr_assert_eq(eth_stat(j, "blocks"), 84);
    cr_assert_eq(eth_stat(j, "txs"), 10);
    cr_assert_eq(eth_stat(j, "native_transfers"), 9); /* 10 txs, one of 0 wei */
    cr_assert_eq(eth_stat(j, "internal_transfers"), 0);
    cr_assert_eq(eth_stat(j, "fee_events"), 10);
    /* 85 block and uncle rewards from the traces + 10 fee credits to the miners */
    cr_assert_eq(eth_stat(j, "rewards"), 95);
    json_decref(j);
    /* the reference edges, GraphSense address ids -> addresses */
    size_t il, rl;
    char *ids = (char *)tu_read_fixture(SG "reference/address_ids.csv", &il);
    char *rel = (char *)tu_read_fixture(SG "reference/address_relations.json", &rl);
    static char addr_of_id[128][43];
    size_t n_ids = 0;
    for (char *line = strtok(ids, "\n"); line; line = strtok(NULL, "\n")) {
        char a[43];
        unsigned id;
        if (sscanf(line, "%42[^,],%u", a, &id) != 2)
            continue; /* the header */
        cr_assert_lt(id, 128);
        snprintf(addr_of_id[id], 43, "%s", a);
        n_ids++;
    }
    cr_assert_eq(n_ids, 59);
    sg_edge want[16];
    size_t n_want = 0, n_zero = 0;
    for (char *line = strtok(rel, "\n"); line; line = strtok(NULL, "\n")) {
        unsigned src, dst, n;
        char value[96];
        cr_assert_eq(sscanf(line, "{\"srcAddressId\":%u,\"dstAddressId\":%u,\"noTransactions\":%u,"
                                  "\"value\":{\"value\":%95[0-9]",
                            &src, &dst, &n, value),
                     4, "%s", line);
        if (strcmp(value, "0") == 0) {
            n_zero++;
            continue;
        }
        cr_assert_lt(n_want, 16);
        sg_edge *e = &want[n_want++];
        snprintf(e->src, 43, "%s", addr_of_id[src]);
        snprintf(e->dst, 43, "%s", addr_of_id[dst]);
        e->n = n;
        cr_assert_eq(ct_u256_parse_dec(&e->sum, value, strlen(value), NULL), CT_OK);
    }
    cr_assert_eq(n_want, 8);
    cr_assert_eq(n_zero, 1);
    /* ours: every ETH event of kind native/internal, from each sender's ledger */
    ct_db *db = tu_db_open(dir, false);
    ct_db_snapshot *snap = ct_db_snapshot_new(db);
    ct_acct_graph g;
    cr_assert_eq(ct_acct_graph_db(&g, db, snap, NULL), CT_OK);
    ct_eth_stats st;
    cr_assert_eq(ct_eth_stats_get(db, &st, NULL), CT_OK);
    sg_edge got[16];
    size_t n_got = 0;
    for (uint64_t id = 1; id <= st.addresses; id++) {
        ct_acct_event e;
        ct_acct_pos at;
        size_t k = 0;
        int rc;
        while ((rc = g.ledger_next(g.ctx, id, CT_ACCT_ASSET_ETH, k ? &at : NULL, &e, NULL)) ==
               CT_OK) {
            at = e.at;
            k++;
            if (e.from != id || (e.kind != CT_ACCT_NATIVE && e.kind != CT_ACCT_INTERNAL))
                continue;
            char src[43], dst[43];
            cr_assert_eq(g.address_of(g.ctx, e.from, src, NULL), CT_OK);
            cr_assert_eq(g.address_of(g.ctx, e.to, dst, NULL), CT_OK);
            lower(src);
            lower(dst);
            size_t w = 0;
            while (w < n_got && (strcmp(got[w].src, src) || strcmp(got[w].dst, dst)))
                w++;
            if (w == n_got) {
                cr_assert_lt(n_got, 16);
                memset(&got[n_got], 0, sizeof(got[0]));
                snprintf(got[n_got].src, 43, "%s", src);
                snprintf(got[n_got].dst, 43, "%s", dst);
                n_got++;
            }
            got[w].n++;
            cr_assert(!ct_u256_add(&got[w].sum, &got[w].sum, &e.amount));
        }
        cr_assert_eq(rc, CT_ENOTFOUND);
    }
    cr_assert_eq(n_got, n_want);
    for (size_t i = 0; i < n_want; i++) {
        size_t w = 0;
        while (w < n_got && (strcmp(got[w].src, want[i].src) || strcmp(got[w].dst, want[i].dst)))
            w++;
        cr_assert_lt(w, n_got, "edge %s -> %s missing", want[i].src, want[i].dst);
        cr_assert_eq(got[w].n, want[i].n, "%s -> %s", want[i].src, want[i].dst);
        cr_assert_eq(ct_u256_cmp(&got[w].sum, &want[i].sum), 0, "%s -> %s", want[i].src,
                     want[i].dst);
    }
    ct_acct_graph_db_free(&g);
    ct_db_snapshot_free(db, snap);
    ct_db_close(db);
    free(ids);
    free(rel);
    tu_rmtree(tmp);
    free(tmp);
    tu_fresh_db_done(dir);
}

/* The same blocks 17173049-17173050 as ethereum-etl writes them in CSV (export_blocks:
 * withdrawals as a field of JSON objects) and in JSON lines (stream): ingested with the same
 * transactions and logs, the two give the same database, withdrawals included. */
Test(eth_ingest, etl_blocks_csv_equals_blocks_json)
{
    char *a = etl_dir(), *b = etl_dir();
    char path[512];
    snprintf(path, sizeof(path), "%s/blocks.json", b);
    cr_assert_eq(unlink(path), 0);
    size_t len;
    uint8_t *csv = tu_read_fixture("eth/ethereum-etl/test_export_blocks_job/"
                                   "blocks_with_transactions_and_withdrawals/expected_blocks.csv",
                                   &len);
    snprintf(path, sizeof(path), "%s/blocks.csv", b);
    cr_assert_eq(tu_write_file(path, csv, len), 0);
    free(csv);
    char *da = tu_fresh_db(), *db = tu_fresh_db();
    sg_ingest(da, a, NULL);
    sg_ingest(db, b, NULL);
    json_t *ja = stats_json(da), *jb = stats_json(db);
    cr_assert_eq(eth_stat(jb, "blocks"), 2);
    cr_assert_eq(eth_stat(jb, "txs"), 298);
    cr_assert_eq(eth_stat(jb, "rewards"), eth_stat(ja, "rewards"));
    cr_assert_eq(eth_stat(jb, "events"), eth_stat(ja, "events"));
    json_decref(ja);
    json_decref(jb);
    char *x = eth_digest(da), *y = eth_digest(db);
    cr_assert_str_eq(x, y);
    free(x);
    free(y);
    tu_rmtree(a);
    tu_rmtree(b);
    free(a);
    free(b);
    tu_fresh_db_done(da);
    tu_fresh_db_done(db);
}

/* RFC 4180: quoted fields with commas, "" escapes and line breaks, CRLF records; a
 * stray quote or a short record is a bad-csv error at its byte. */
Test(eth_ingest, csv_to_jsonl_rfc4180)
{
    const char *in = "a,b,topics\r\n\"x,1\",\"say \"\"hi\"\"\nthere\",\"0xaa,0xbb\"\r\n,7,\r\n";
    ct_buf o;
    ct_buf_init(&o, 1 << 20);
    ct_error err;
    ct_error_clear(&err);
    cr_assert_eq(ct_eth_csv_to_jsonl(in, strlen(in), (const char *[]){"b", "bee", NULL},
                                     (const char *[]){"topics", NULL}, NULL, &o, &err),
                 CT_OK, "%s %s", err.reason, err.detail);
    cr_assert(ct_buf_putc(&o, 0) == CT_OK);
    cr_assert_str_eq((const char *)o.data,
                     "{\"a\":\"x,1\",\"bee\":\"say \\\"hi\\\"\\u000athere\",\"topics\":[\"0xaa\",\"0xbb\"]}\n"
                     "{\"a\":null,\"bee\":\"7\",\"topics\":[]}\n");
    ct_buf_reset(&o);
    const char *bad = "a,b\n1,2\n3,x\"y\n";
    cr_assert_eq(ct_eth_csv_to_jsonl(bad, strlen(bad), NULL, NULL, NULL, &o, &err), CT_ECORRUPT);
    cr_assert_str_eq(err.reason, "bad-csv");
    cr_assert_eq(err.offset, 11);
    cr_assert_str_eq(err.detail, "record 3: a quote inside an unquoted field");
    ct_buf_reset(&o);
    const char *shortrec = "a,b\n1,2\n3\n";
    cr_assert_eq(ct_eth_csv_to_jsonl(shortrec, strlen(shortrec), NULL, NULL, NULL, &o, &err),
                 CT_ECORRUPT);
    cr_assert_eq(err.offset, 8);
    cr_assert_str_eq(err.detail, "record 3 has 1 fields, the header 2");
    const char *dup = "a,b,a\n1,2,3\n";
    cr_assert_eq(ct_eth_csv_to_jsonl(dup, strlen(dup), NULL, NULL, NULL, &o, &err), CT_ECORRUPT);
    cr_assert_str_eq(err.detail, "header column 3 repeats 'a'");
    cr_assert_eq(err.offset, 4);
    const char *latin1 = "a,b\n1,caf\xe9\n";
    cr_assert_eq(ct_eth_csv_to_jsonl(latin1, strlen(latin1), NULL, NULL, NULL, &o, &err), CT_ECORRUPT);
    cr_assert_str_eq(err.detail, "record 2: field 2 is not UTF-8");
    cr_assert_eq(err.offset, 6);
    const char *open = "a\n\"abc\n";
    cr_assert_eq(ct_eth_csv_to_jsonl(open, strlen(open), NULL, NULL, NULL, &o, &err), CT_ECORRUPT);
    cr_assert_str_eq(err.detail, "record 2: a quoted field is not closed");
    ct_buf_release(&o);
}

/* A line break inside a quoted `withdrawals` field (between its objects, and a CRLF) is
 * valid CSV and valid JSON whitespace; it was copied raw into the JSON line, which then split
 * into two records and the file was refused (issue 12, 4c; found by fuzz_eth_csv). The
 * JSON line holds it as a space, and every output line parses as one object. */
Test(eth_ingest, csv_withdrawals_with_a_line_break)
{
    const char *in = "number,withdrawals\n"
                     "17173049,\"{\"\"index\"\":1,\"\"amount\"\":2},\n"
                     "{\"\"index\"\":3,\r\n\t\"\"amount\"\":4}\"\n"
                     "17173050,\n";
    ct_buf o;
    ct_buf_init(&o, 1 << 20);
    ct_error err;
    ct_error_clear(&err);
    cr_assert_eq(ct_eth_csv_to_jsonl(in, strlen(in), NULL, NULL,
                                     (const char *[]){"withdrawals", NULL}, &o, &err),
                 CT_OK, "%s %s", err.reason, err.detail);
    cr_assert(ct_buf_putc(&o, 0) == CT_OK);
    cr_assert_str_eq((const char *)o.data,
                     "{\"number\":\"17173049\",\"withdrawals\":[{\"index\":1,\"amount\":2}, "
                     "{\"index\":3,   \"amount\":4}]}\n"
                     "{\"number\":\"17173050\",\"withdrawals\":[]}\n");
    ct_buf_release(&o);
}

/* A --json file denser than any JSON-RPC answer (one value per 2 bytes) cost 10.8 bytes of
 * memory per byte; it is refused at the bound of one value per 8 bytes, naming the file
 * (issue 12, 4a; the memory measured is in the report and docs/ingest.md). */
Test(eth_ingest, json_too_dense_is_refused)
{
    char *tmp = tu_tmpdir();
    char path[600], db[600];
    snprintf(path, sizeof(path), "%s/dense.json", tmp);
    snprintf(db, sizeof(db), "%s/db", tmp);
    size_t n;
    char *t = tu_dense_json(100000, &n);
    cr_assert_eq(tu_write_file(path, t, n), 0);
    free(t);
    tu_run r;
    tu_exec(&r, (const char *[]){"--db", db, "ingest", "ethereum", "--json", path, NULL}, NULL);
    cr_assert_eq(r.status, 3, "%s", r.err);
    char want[900];
    snprintf(want, sizeof(want),
             "chaintrail: ingest: %s: json-too-dense: more than 26024 JSON values in 200001 bytes "
             "(one per 8 bytes): no JSON-RPC answer is that dense; refused to bound memory\n",
             path);
    cr_assert(strncmp(r.err, want, strlen(want)) == 0, "%s", r.err);
    tu_run_free(&r);
    tu_rmtree(tmp);
    free(tmp);
}

Test(eth_ingest, etl_export_needs_trust_senders)
{
    char *dir = tu_fresh_db(), *etl = etl_dir();
    tu_run r;
    tu_exec(&r, (const char *[]){"--db", dir, "ingest", "ethereum", "--etl", etl, NULL}, NULL);
    cr_assert_eq(r.status, 2);
    cr_assert_str_eq(r.err, "chaintrail: ingest: ethereum: --etl: ethereum-etl exports carry no "
                            "signatures, so the senders cannot be recovered; add --trust-senders "
                            "to take them as exported (docs/ethereum-etl.md)\n");
    tu_run_free(&r);
    tu_rmtree(etl);
    free(etl);
    tu_fresh_db_done(dir);
}

/* Our token events are ethereum-etl's token transfers (value > 0) whose log is an ERC-20
 * Transfer (3 topics, 32 bytes of data), one for one, in order; counts from python over the
 * same files (tests/tools/eth_expected.py's rules): 127 native, 591 fee events, 293 priority
 * rewards + 32 withdrawals, 279 ERC-20 transfers. */
Test(eth_ingest, etl_export_token_transfers_agree)
{
    char *dir = tu_fresh_db(), *etl = etl_dir();
    tu_run r;
    tu_exec(&r,
            (const char *[]){"--db", dir, "ingest", "ethereum", "--quiet", "--etl", etl,
                             "--trust-senders", NULL},
            NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
    json_t *j = stats_json(dir);
    cr_assert_eq(eth_stat(j, "blocks"), 2);
    cr_assert_eq(eth_stat(j, "txs"), 298);
    cr_assert_eq(eth_stat(j, "logs"), 681);
    cr_assert_eq(eth_stat(j, "native_transfers"), 127);
    cr_assert_eq(eth_stat(j, "fee_events"), 591);
    cr_assert_eq(eth_stat(j, "rewards"), 293 + 32);
    cr_assert_eq(eth_stat(j, "token_transfers"), 279);
    json_decref(j);
    tu_exec(&r, (const char *[]){"--db", dir, "verify", NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.out);
    tu_run_free(&r);
    /* the shape of every log, from logs.json */
    size_t len;
    char *logs = (char *)tu_read_fixture(ETL2 "expected_logs.json", &len);
    json_t *shape = json_object();
    for (char *line = strtok(logs, "\n"); line; line = strtok(NULL, "\n")) {
        json_t *l = json_loads(line, 0, NULL);
        cr_assert_not_null(l);
        char key[100];
        snprintf(key, sizeof(key), "%s:%" JSON_INTEGER_FORMAT,
                 json_string_value(json_object_get(l, "transaction_hash")),
                 json_integer_value(json_object_get(l, "log_index")));
        bool erc20 = json_array_size(json_object_get(l, "topics")) == 3 &&
                     strlen(json_string_value(json_object_get(l, "data"))) == 66;
        json_object_set_new(shape, key, json_boolean(erc20));
        json_decref(l);
    }
    free(logs);
    ct_db *db = tu_db_open(dir, false);
    ct_db_snapshot *snap = ct_db_snapshot_new(db);
    ct_acct_graph g;
    cr_assert_eq(ct_acct_graph_db(&g, db, snap, NULL), CT_OK);
    char *tt = (char *)tu_read_fixture(ETL2 "expected_token_transfers.json", &len);
    size_t rows = 0, matched = 0, at = 0;
    char prev[67] = "";
    collect c = {.n = 0};
    for (char *line = strtok(tt, "\n"); line; line = strtok(NULL, "\n")) {
        /* values may exceed 2^63 (jansson's integers): the digits are read from the text */
        json_t *t = json_loads(line, JSON_DECODE_INT_AS_REAL, NULL);
        cr_assert_not_null(t);
        rows++;
        const char *hash = json_string_value(json_object_get(t, "transaction_hash"));
        char key[100], want[96];
        snprintf(key, sizeof(key), "%s:%.0f", hash,
                 json_real_value(json_object_get(t, "log_index")));
        const char *vp = strstr(line, "\"value\": ");
        cr_assert_not_null(vp);
        vp += 9;
        size_t vl = strspn(vp, "0123456789");
        cr_assert(vl > 0 && vl < sizeof(want));
        memcpy(want, vp, vl);
        want[vl] = 0;
        bool erc20 = json_is_true(json_object_get(shape, key));
        if (!erc20 || !strcmp(want, "0")) {
            json_decref(t);
            continue;
        }
        if (strcmp(hash, prev) != 0) {
            uint8_t h[32];
            cr_assert_eq(ct_hex_decode(h, hash + 2, 32), CT_OK);
            c.n = 0;
            at = 0;
            cr_assert_eq(g.tx_events(g.ctx, h, collect_cb, &c, NULL), CT_OK);
            snprintf(prev, sizeof(prev), "%s", hash);
        }
        cr_assert_lt(at, c.n, "%s", key);
        const ct_acct_event *e = &c.ev[at++];
        char from[43], to[43], sym[32], contract[43], amount[96];
        uint8_t dec;
        bool kd;
        cr_assert_eq(g.address_of(g.ctx, e->from, from, NULL), CT_OK);
        cr_assert_eq(g.address_of(g.ctx, e->to, to, NULL), CT_OK);
        cr_assert_eq(g.asset_info(g.ctx, e->asset, sym, sizeof(sym), &dec, &kd, contract, NULL),
                     CT_OK);
        lower(from);
        lower(to);
        lower(contract);
        cr_assert_str_eq(from, json_string_value(json_object_get(t, "from_address")), "%s", key);
        cr_assert_str_eq(to, json_string_value(json_object_get(t, "to_address")), "%s", key);
        cr_assert_str_eq(contract, json_string_value(json_object_get(t, "token_address")), "%s",
                         key);
        ct_u256_to_dec(amount, sizeof(amount), &e->amount);
        cr_assert_str_eq(amount, want, "%s", key);
        matched++;
        json_decref(t);
    }
    cr_assert_eq(rows, 291);
    cr_assert_eq(matched, 279);
    free(tt);
    json_decref(shape);
    ct_acct_graph_db_free(&g);
    ct_db_snapshot_free(db, snap);
    ct_db_close(db);
    tu_rmtree(etl);
    free(etl);
    tu_fresh_db_done(dir);
}

/* show in text form: tx 0 of block 19433902, its events one per line with their position */
Test(eth_ingest, show_tx_text)
{
    char *dir = db_19433902();
    tu_run r;
    tu_exec(&r,
            (const char *[]){"--db", dir, "show", "tx",
                             "0x8D6B84B11ACE6E48C95AE7A229D9D467EAD6F122A14FD86AA18C5B8C7665BEA7",
                             "--format", "text", NULL},
            NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    /* value 0x16345785d8a0000, gasUsed 0x36c9a, nonce 0x4e, 8 logs; fee split by the base fee
     * 0xfb41590cc: burnt 224410 x 67445821644, priority 224410 x (67480882890 - 67445821644) */
    cr_assert(strstr(r.out, "status             success\n"), "%s", r.out);
    cr_assert(strstr(r.out, "value              100000000000000000 wei\n"), "%s", r.out);
    cr_assert(strstr(r.out, "nonce              78\n"), "%s", r.out);
    cr_assert(strstr(r.out, "gas                263385 (used 224410)\n"), "%s", r.out);
    cr_assert(strstr(r.out, "logs               8\n"), "%s", r.out);
    cr_assert(strstr(r.out, "  19433902/0/4  fee_burnt    15135516835130040 ETH  "), "%s", r.out);
    cr_assert(strstr(r.out, "  19433902/0/5  fee_priority 7868094214860 ETH  "), "%s", r.out);
    /* the fee recipient's priority credit is block-level (account.h), not an event of the tx */
    cr_assert_null(strstr(r.out, " reward "), "%s", r.out);
    cr_assert(strstr(r.out,
                     "transaction        0x8d6b84b11ace6e48c95ae7a229d9d467ead6f122a14fd86aa18c5b"
                     "8c7665bea7 (ethereum)\n"),
              "%s", r.out);
    cr_assert_eq(tu_count_lines(r.out), 12 + 6); /* 12 header lines, 6 events */
    tu_run_free(&r);
    /* ... it is in the fee recipient's ledger: 169 block-level credits (the 169 receipts with
     * gasUsed x (effectiveGasPrice - baseFee) > 0) adding up to 47338336791100482 wei */
    tu_exec(&r,
            (const char *[]){"--db", dir, "show", "address",
                             "0xa27cef8af2b6575903b676e5644657fae96f491f", NULL},
            NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "\"received\":\"47338336791100482\",\"sent\":\"0\""), "%s", r.out);
    cr_assert(strstr(r.out, "\"events\":169,\"first\":[19433902,4294967295,0],"
                            "\"last\":[19433902,4294967295,168]"),
              "%s", r.out);
    tu_run_free(&r);
    tu_fresh_db_done(dir);
}

/* ---- --etl in ethereum-etl's export_all layout: receipts.{csv,json} beside transactions
 * that carry no receipt_* columns. Block 483920 as ethereum-etl exports it
 * (test_export_blocks_job/block_with_logs: blocks and transactions; test_export_receipts_job/
 * receipts_with_logs: its 4 receipts and 2 logs). ---- */
#define BWL "eth/ethereum-etl/test_export_blocks_job/block_with_logs/"
#define RWL "eth/ethereum-etl/test_export_receipts_job/receipts_with_logs/"

static void put_fixture(const char *dir, const char *rel, const char *name)
{
    size_t len;
    uint8_t *data = tu_read_fixture(rel, &len);
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    cr_assert_eq(tu_write_file(path, data, len), 0);
    free(data);
}

static void put_text(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    cr_assert_eq(tu_write_file(path, text, strlen(text)), 0);
}

/* the export_all layout of block 483920, from ethereum-etl's own files */
static char *export_all_dir(void)
{
    char *d = tu_tmpdir();
    put_fixture(d, BWL "expected_blocks.csv", "blocks.csv");
    put_fixture(d, BWL "expected_transactions.csv", "transactions.csv");
    put_fixture(d, RWL "expected_receipts.csv", "receipts.csv");
    put_fixture(d, RWL "expected_logs.csv", "logs.csv");
    return d;
}

/* The stream layout of the same block: the transactions' JSON lines (their CSV through our
 * RFC 4180 reader) with the receipt_* members of ethereum-etl's expected_receipts.json, joined
 * here by hash. */
static char *stream_dir_483920(void)
{
    char *d = tu_tmpdir();
    put_fixture(d, BWL "expected_blocks.csv", "blocks.csv");
    put_fixture(d, RWL "expected_logs.csv", "logs.csv");
    size_t tl, rl;
    uint8_t *tcsv = tu_read_fixture(BWL "expected_transactions.csv", &tl);
    char *rj = (char *)tu_read_fixture(RWL "expected_receipts.json", &rl);
    ct_buf j;
    ct_buf_init(&j, 1 << 20);
    ct_error err;
    ct_error_clear(&err);
    cr_assert_eq(ct_eth_csv_to_jsonl((const char *)tcsv, tl, NULL, NULL, NULL, &j, &err), CT_OK);
    cr_assert(ct_buf_putc(&j, 0) == CT_OK);
    json_t *rc[8];
    size_t nr = 0;
    for (char *save = NULL, *ln = strtok_r(rj, "\n", &save); ln; ln = strtok_r(NULL, "\n", &save)) {
        cr_assert_lt(nr, 8);
        cr_assert_not_null(rc[nr] = json_loads(ln, 0, NULL));
        nr++;
    }
    cr_assert_eq(nr, 4);
    ct_buf out;
    ct_buf_init(&out, 1 << 20);
    size_t ntx = 0;
    for (char *save = NULL, *ln = strtok_r((char *)j.data, "\n", &save); ln;
         ln = strtok_r(NULL, "\n", &save)) {
        json_t *t = json_loads(ln, 0, NULL);
        cr_assert_not_null(t);
        const char *h = json_string_value(json_object_get(t, "hash"));
        size_t k = 0;
        while (k < nr && strcmp(json_string_value(json_object_get(rc[k], "transaction_hash")), h))
            k++;
        cr_assert_lt(k, nr, "no receipt of %s", h);
        const char *m[][2] = {{"gas_used", "receipt_gas_used"},
                              {"status", "receipt_status"},
                              {"effective_gas_price", "receipt_effective_gas_price"},
                              {"contract_address", "receipt_contract_address"},
                              {"cumulative_gas_used", "receipt_cumulative_gas_used"},
                              {"root", "receipt_root"}};
        for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
            json_object_set(t, m[i][1], json_object_get(rc[k], m[i][0]));
        char *s = json_dumps(t, JSON_COMPACT);
        cr_assert(ct_buf_puts(&out, s) == CT_OK && ct_buf_putc(&out, '\n') == CT_OK);
        free(s);
        json_decref(t);
        ntx++;
    }
    cr_assert_eq(ntx, 4);
    char path[512];
    snprintf(path, sizeof(path), "%s/transactions.json", d);
    cr_assert_eq(tu_write_file(path, out.data, out.len), 0);
    for (size_t k = 0; k < nr; k++)
        json_decref(rc[k]);
    ct_buf_release(&out);
    ct_buf_release(&j);
    free(tcsv);
    free(rj);
    return d;
}

Test(eth_ingest, etl_export_all_receipts_equal_stream)
{
    char *a = export_all_dir(), *b = stream_dir_483920();
    char *da = tu_fresh_db(), *db = tu_fresh_db();
    sg_ingest(da, a, NULL);
    sg_ingest(db, b, NULL);
    json_t *ja = stats_json(da);
    cr_assert_eq(eth_stat(ja, "blocks"), 1);
    cr_assert_eq(eth_stat(ja, "txs"), 4);
    json_decref(ja);
    char *x = eth_digest(da), *y = eth_digest(db);
    cr_assert_str_eq(x, y);
    /* ethereum-etl's receipts in JSON lines (not in transaction order) in place of the CSV */
    {
        char *c = export_all_dir(), path[512];
        snprintf(path, sizeof(path), "%s/receipts.csv", c);
        cr_assert_eq(unlink(path), 0);
        put_fixture(c, RWL "expected_receipts.json", "receipts.json");
        char *dc = tu_fresh_db();
        sg_ingest(dc, c, NULL);
        char *z = eth_digest(dc);
        cr_assert_str_eq(x, z);
        free(z);
        tu_fresh_db_done(dc);
        tu_rmtree(c);
        free(c);
    }
    /* the digest sees the joined receipts: one gas_used changed (21000 -> 21001, the last
     * transaction's, in receipts.csv) gives another database */
    size_t len;
    char *csv = (char *)tu_read_fixture(RWL "expected_receipts.csv", &len);
    char *p = strstr(csv, "0x05287a561f");
    cr_assert_not_null(p);
    p = strstr(p, ",21000,");
    cr_assert_not_null(p);
    p[5] = '1';
    put_text(a, "receipts.csv", csv);
    free(csv);
    char *dc = tu_fresh_db();
    sg_ingest(dc, a, NULL);
    char *z = eth_digest(dc);
    cr_assert_str_neq(x, z);
    free(z);
    tu_fresh_db_done(dc);
    free(x);
    free(y);
    tu_rmtree(a);
    tu_rmtree(b);
    free(a);
    free(b);
    tu_fresh_db_done(da);
    tu_fresh_db_done(db);
}

/* ethereum-etl's receipts.csv of block 483920 with `from` replaced by `to` (once), ingested
 * with its export_all layout: the error printed. */
static char *receipts_error(const char *from, const char *to, char **dirp)
{
    char *d = export_all_dir();
    size_t len;
    char *csv = (char *)tu_read_fixture(RWL "expected_receipts.csv", &len);
    char *t = calloc(1, len + strlen(to) + 1);
    cr_assert_not_null(t);
    char *p = from ? strstr(csv, from) : NULL;
    cr_assert(!from || p, "%s not in receipts.csv", from);
    if (p) {
        memcpy(t, csv, (size_t)(p - csv));
        strcat(t, to);
        strcat(t, p + strlen(from));
    } else {
        memcpy(t, csv, len);
        strcat(t, to);
    }
    put_text(d, "receipts.csv", t);
    free(t);
    free(csv);
    char *db = tu_fresh_db();
    tu_run r;
    tu_exec(&r, (const char *[]){"--db", db, "ingest", "ethereum", "--quiet", "--etl", d,
                                 "--trust-senders", NULL},
            NULL);
    cr_assert_eq(r.status, 3, "%s", r.err);
    char *e = strdup(r.err);
    tu_run_free(&r);
    /* nothing stored: the database this run created is removed again */
    assert_no_database(db);
    tu_fresh_db_done(db);
    *dirp = d;
    return e;
}

Test(eth_ingest, etl_receipts_errors)
{
    const char *h2 = "0x463d53f0ad57677a3b430a007c1c31d15d62c37fab5eee598551697c297c235c";
    const char *blk = "height 483920: block "
                      "246edb4b351d93c27926f4649bcf6c24366e2a7c7c718dc9158eea20c03bc6ae";
    size_t len;
    char *csv = (char *)tu_read_fixture(RWL "expected_receipts.csv", &len);
    char *l = strstr(csv, h2), *end = strchr(l, '\n');
    char line2[1024];
    snprintf(line2, sizeof(line2), "%.*s", (int)(end + 1 - l), l);
    free(csv);
    for (int i = 0; i < 5; i++) {
        char *d = NULL, *e = NULL, want[2048];
        switch (i) {
        case 0: /* a receipt of no transaction of the block */
            e = receipts_error("0x463d53f0ad", "0x563d53f0ad", &d);
            snprintf(want, sizeof(want),
                     "chaintrail: ingest: %s/receipts.csv: %s: mismatch: '%s/receipts.csv' record "
                     "2: the receipt of 0x563d53f0ad57677a3b430a007c1c31d15d62c37fab5eee598551697c2"
                     "97c235c is of no transaction of block 483920\n",
                     d, blk, d);
            break;
        case 1: /* the receipt of transaction 2 at another block */
            e = receipts_error("03bc6ae,483920,122706", "03bc6ae,483921,122706", &d);
            snprintf(want, sizeof(want),
                     "chaintrail: ingest: %s/transactions.csv: %s: tx 2: mismatch: "
                     "'%s/receipts.csv' record 2: the receipt of %s has block_number 483921, its "
                     "transaction ('%s/transactions.csv' record 4) 483920\n",
                     d, blk, d, h2, d);
            break;
        case 2: /* its transaction_index */
            e = receipts_error("c235c,2,", "c235c,1,", &d);
            snprintf(want, sizeof(want),
                     "chaintrail: ingest: %s/receipts.csv: %s: tx 2: mismatch: '%s/receipts.csv' "
                     "record 2: the receipt of %s has transaction_index 1, its transaction "
                     "('%s/transactions.csv' record 4) 2\n",
                     d, blk, d, h2, d);
            break;
        case 3: /* no receipt data for transaction 2 (its receipt line gone) */
            e = receipts_error(line2, "", &d);
            snprintf(want, sizeof(want),
                     "chaintrail: ingest: %s/transactions.csv: %s: tx 2: missing-field: "
                     "'%s/transactions.csv' record 4: transaction %s has no receipt_gas_used and "
                     "no line in '%s/receipts.csv'\n",
                     d, blk, d, h2, d);
            break;
        default: /* two receipts of transaction 2 (its line again at the end) */
            e = receipts_error(NULL, line2, &d);
            snprintf(want, sizeof(want),
                     "chaintrail: ingest: %s/receipts.csv: %s: tx 2: mismatch: '%s/receipts.csv' "
                     "record 6: a second receipt of %s\n",
                     d, blk, d, h2);
            break;
        }
        cr_assert_str_eq(e, want, "case %d", i);
        free(e);
        tu_rmtree(d);
        free(d);
    }
}

/* Without receipts.csv, the export_blocks transactions have no receipt data: refused. */
Test(eth_ingest, etl_transactions_without_receipts_refused)
{
    char *d = export_all_dir(), path[512];
    snprintf(path, sizeof(path), "%s/receipts.csv", d);
    cr_assert_eq(unlink(path), 0);
    char *db = tu_fresh_db();
    tu_run r;
    tu_exec(&r, (const char *[]){"--db", db, "ingest", "ethereum", "--quiet", "--etl", d,
                                 "--trust-senders", NULL},
            NULL);
    cr_assert_eq(r.status, 3, "%s", r.err);
    char want[2048];
    snprintf(want, sizeof(want),
             "chaintrail: ingest: %s/transactions.csv: height 483920: block "
             "246edb4b351d93c27926f4649bcf6c24366e2a7c7c718dc9158eea20c03bc6ae: tx 0: "
             "missing-field: '%s/transactions.csv' record 2: transaction "
             "0x04cbcb236043d8fb7839e07bbc7f5eed692fb2ca55d897f1101eac3e3ad4fab8 has no "
             "receipt_gas_used (and there is no receipts file)\n",
             d, d);
    cr_assert_str_eq(r.err, want);
    tu_run_free(&r);
    tu_fresh_db_done(db);
    tu_rmtree(d);
    free(d);
}

/* ---- token_transfers.{csv,json}: ethereum-etl's export_token_transfers of block 483920
 * (test_export_token_transfers_job/block_with_transfers) in place of its logs. ---- */
#define TTF "eth/ethereum-etl/test_export_token_transfers_job/block_with_transfers/"

Test(eth_ingest, etl_token_transfers_only_equal_logs)
{
    char *a = export_all_dir(), *t = export_all_dir(), path[512];
    snprintf(path, sizeof(path), "%s/logs.csv", t);
    cr_assert_eq(unlink(path), 0);
    put_fixture(t, TTF "expected_token_transfers.csv", "token_transfers.csv");
    char *da = tu_fresh_db(), *dt = tu_fresh_db();
    sg_ingest(da, a, NULL);
    sg_ingest(dt, t, NULL);
    json_t *j = stats_json(dt);
    cr_assert_eq(eth_stat(j, "txs"), 4);
    json_decref(j);
    char *x = eth_digest(da), *y = eth_digest(dt);
    cr_assert_str_eq(x, y);
    free(x);
    free(y);
    tu_rmtree(a);
    tu_rmtree(t);
    free(a);
    free(t);
    tu_fresh_db_done(da);
    tu_fresh_db_done(dt);
}

/* Both files: ethereum-etl's 291 token transfers of blocks 17173049-17173050 agree with its
 * 681 logs (the ingest is the one without them, digest for digest); a changed value, a
 * missing row and a row of no log are errors. */
static char *ingest_error(const char *d)
{
    char *db = tu_fresh_db();
    tu_run r;
    tu_exec(&r, (const char *[]){"--db", db, "ingest", "ethereum", "--quiet", "--etl", d,
                                 "--trust-senders", NULL},
            NULL);
    cr_assert_eq(r.status, 3, "%s", r.err);
    char *e = strdup(r.err);
    tu_run_free(&r);
    assert_no_database(db);
    tu_fresh_db_done(db);
    return e;
}

Test(eth_ingest, etl_token_transfers_agree_with_logs)
{
    char *a = etl_dir(), *t = etl_dir();
    put_fixture(t, ETL2 "expected_token_transfers.json", "token_transfers.json");
    char *da = tu_fresh_db(), *dt = tu_fresh_db();
    sg_ingest(da, a, NULL);
    sg_ingest(dt, t, NULL);
    char *x = eth_digest(da), *y = eth_digest(dt);
    cr_assert_str_eq(x, y);
    free(x);
    free(y);
    tu_fresh_db_done(da);
    tu_fresh_db_done(dt);
    tu_rmtree(a);
    free(a);
    /* block 483920: its two transfers, edited */
    size_t len;
    char *csv = (char *)tu_read_fixture(TTF "expected_token_transfers.csv", &len);
    char *d = export_all_dir(), want[2048];
    const char *h0 = "0x04cbcb236043d8fb7839e07bbc7f5eed692fb2ca55d897f1101eac3e3ad4fab8";
    const char *blk = "height 483920: block "
                      "246edb4b351d93c27926f4649bcf6c24366e2a7c7c718dc9158eea20c03bc6ae";
    /* a value changed: 100000 -> 100001 */
    char *ed = strdup(csv), *p = strstr(ed, ",100000,");
    cr_assert_not_null(p);
    p[6] = '1';
    put_text(d, "token_transfers.csv", ed);
    char *e = ingest_error(d);
    snprintf(want, sizeof(want),
             "chaintrail: ingest: %s/token_transfers.csv: %s: tx 0: mismatch: "
             "'%s/token_transfers.csv' record 2: the token transfer of %s log_index 0 is not its "
             "log in '%s/logs.csv' (contract, from, to or value)\n",
             d, blk, d, h0, d);
    cr_assert_str_eq(e, want);
    free(e);
    /* the first row gone */
    strcpy(ed, csv);
    char *l1 = strchr(ed, '\n') + 1, *l2 = strchr(l1, '\n') + 1;
    memmove(l1, l2, strlen(l2) + 1);
    put_text(d, "token_transfers.csv", ed);
    e = ingest_error(d);
    snprintf(want, sizeof(want),
             "chaintrail: ingest: %s/logs.csv: %s: tx 0: mismatch: the ERC-20 Transfer log 0 of "
             "%s in '%s/logs.csv' is not in '%s/token_transfers.csv'\n",
             d, blk, h0, d, d);
    cr_assert_str_eq(e, want);
    free(e);
    /* a row at a log_index with no log */
    strcpy(ed, csv);
    p = strstr(ed, "3ad4fab8,0,483920");
    cr_assert_not_null(p);
    p[9] = '7';
    put_text(d, "token_transfers.csv", ed);
    e = ingest_error(d);
    snprintf(want, sizeof(want),
             "chaintrail: ingest: %s/token_transfers.csv: %s: tx 0: mismatch: "
             "'%s/token_transfers.csv' record 2: the token transfer of %s log_index 7 is not in "
             "'%s/logs.csv'\n",
             d, blk, d, h0, d);
    cr_assert_str_eq(e, want);
    free(e);
    free(ed);
    free(csv);
    tu_rmtree(d);
    free(d);
    tu_rmtree(t);
    free(t);
}
