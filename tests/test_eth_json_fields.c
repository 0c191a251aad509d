/* Every required field of the saved-JSON reader (chains/ethereum/eth_json.c, bad-inputs.md
 * E14), one at a time: the real mainnet block 19433902 (trin: legacy, EIP-2930 and EIP-1559
 * transactions, withdrawals) and its receipts, with one member removed from one object per
 * case. A required member must give CT_ECORRUPT, reason "missing-field" and the exact
 * detail naming it, at the right transaction index; every other member of the same object
 * is removed too, and must not be reported as missing (it is optional, or fails another
 * check such as the header hash), so the tables below are the complete list.
 *
 * No saved mainnet JSON holds a blob (type 3) or set-code (type 4) transaction, so those two
 * are made from the block's first EIP-1559 transaction: its type changed and the members of
 * that type added (a blob hash, a one-entry authorization list). The reader does not check a
 * transaction's hash (ct_eth_bundle_verify_txs does), so the edit reaches the field checks. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "ethereum/eth_source.h"
#include "eth_fixtures.h"
#include "testutil.h"

#define BLOCK_19433902    TRIN "eth_getBlockByNumber_19433902_full.json"
#define RECEIPTS_19433902 TRIN "eth_getBlockReceipts_19433902.json"

static json_t *load(const char *rel)
{
    char *p = tu_fixture(rel);
    json_error_t je;
    json_t *j = json_load_file(p, 0, &je);
    cr_assert_not_null(j, "%s: %s", p, je.text);
    free(p);
    return j;
}

/* Parses `block` (and `receipts` unless NULL) as the saved-JSON source does. Returns the
 * first code that is not CT_OK, with its error in *err. */
static int read_bundle(json_t *block, json_t *receipts, ct_error *err)
{
    char *bt = json_dumps(block, JSON_COMPACT);
    char *rt = receipts ? json_dumps(receipts, JSON_COMPACT) : NULL;
    ct_json_doc db, dr;
    ct_json_init(&db);
    ct_json_init(&dr);
    ct_arena *a = ct_arena_new(1 << 24);
    ct_eth_bundle b;
    ct_error_clear(err);
    cr_assert_eq(ct_json_parse(&db, bt, strlen(bt), NULL, NULL), CT_OK);
    int rc = ct_eth_json_block(&b, a, &db, 0, err);
    if (rc == CT_OK && rt) {
        cr_assert_eq(ct_json_parse(&dr, rt, strlen(rt), NULL, NULL), CT_OK);
        rc = ct_eth_json_receipts(&b, a, &dr, 0, err);
    }
    ct_json_release(&db);
    ct_json_release(&dr);
    ct_arena_free(a);
    free(bt);
    free(rt);
    return rc;
}

/* One object of the block to strip: `obj` inside the block (or the receipts when
 * `in_receipts`), the members it requires and what the error calls it. */
typedef struct {
    const char *name;     /* for messages */
    const char *what;     /* the reader's name in "<what> has no '<field>'" */
    const char *required; /* space-separated member names */
    int64_t tx_index;     /* expected err.tx_index */
    /* members that are optional but come together: removing one of them alone gives
     * "missing-field" with `together_detail` */
    const char *together, *together_detail;
} scope;

static bool listed(const char *list, const char *key)
{
    size_t n = strlen(key);
    for (const char *p = list; (p = strstr(p, key)); p += n)
        if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
            return true;
    return false;
}

/* Removes each member of `obj` in turn (then puts it back) and checks the reader's answer
 * for the document `root_block` (+ `root_receipts`); asserts that every required member
 * exists in the object, so that each was tested. */
static void strip_each(const scope *s, json_t *obj, json_t *root_block, json_t *root_receipts)
{
    size_t tested = 0;
    const char *key;
    json_t *val;
    /* keys are copied first: removing a member invalidates jansson's iteration */
    char *keys[64];
    size_t nk = 0;
    json_object_foreach(obj, key, val)
    {
        cr_assert_lt(nk, 64);
        keys[nk++] = strdup(key);
    }
    for (size_t k = 0; k < nk; k++) {
        json_t *saved = json_incref(json_object_get(obj, keys[k]));
        cr_assert_eq(json_object_del(obj, keys[k]), 0);
        ct_error err;
        int rc = read_bundle(root_block, root_receipts, &err);
        if (listed(s->required, keys[k])) {
            char want[160];
            snprintf(want, sizeof want, "%s has no '%s'", s->what, keys[k]);
            cr_assert_eq(rc, CT_ECORRUPT, "%s without '%s': rc %d (%s %s)", s->name, keys[k], rc,
                         err.reason, err.detail);
            cr_assert_str_eq(err.reason, "missing-field", "%s without '%s': %s", s->name, keys[k],
                             err.detail);
            cr_assert_str_eq(err.detail, want, "%s without '%s'", s->name, keys[k]);
            cr_assert_eq(err.tx_index, s->tx_index, "%s without '%s'", s->name, keys[k]);
            tested++;
        } else if (s->together && listed(s->together, keys[k])) {
            cr_assert_eq(rc, CT_ECORRUPT, "%s without '%s'", s->name, keys[k]);
            cr_assert_str_eq(err.reason, "missing-field");
            cr_assert_str_eq(err.detail, s->together_detail, "%s without '%s'", s->name, keys[k]);
        } else {
            cr_assert(rc == CT_OK || strcmp(err.reason, "missing-field") != 0,
                      "%s without the optional '%s': %s %s", s->name, keys[k], err.reason,
                      err.detail);
        }
        cr_assert_eq(json_object_set_new(obj, keys[k], saved), 0);
        free(keys[k]);
    }
    /* every required member was in the fixture, so every one was tested */
    size_t n_req = 0;
    for (const char *p = s->required; *p;) {
        while (*p == ' ')
            p++;
        if (*p)
            n_req++;
        while (*p && *p != ' ')
            p++;
    }
    cr_assert_eq(tested, n_req, "%s: %zu of %zu required members are in the fixture", s->name,
                 tested, n_req);
    ct_error err;
    cr_assert_eq(read_bundle(root_block, root_receipts, &err), CT_OK, "%s restored: %s %s", s->name,
                 err.reason, err.detail);
}

typedef struct {
    json_t *bfile, *rfile; /* whole responses */
    json_t *block, *txs, *receipts;
} fixture;

static void open_fixture(fixture *f)
{
    f->bfile = load(BLOCK_19433902);
    f->rfile = load(RECEIPTS_19433902);
    f->block = json_object_get(f->bfile, "result");
    f->receipts = json_object_get(f->rfile, "result");
    f->txs = json_object_get(f->block, "transactions");
    cr_assert(json_is_array(f->txs) && json_array_size(f->txs) == 171);
    ct_error err;
    cr_assert_eq(read_bundle(f->block, f->receipts, &err), CT_OK, "%s %s", err.reason, err.detail);
}

static void close_fixture(fixture *f)
{
    json_decref(f->bfile);
    json_decref(f->rfile);
}

/* Index of the first transaction of `type` ("0x0", "0x1", "0x2"); with `with_access`, the
 * first whose access list is not empty. */
static size_t first_tx(const fixture *f, const char *type, bool with_access)
{
    for (size_t i = 0; i < json_array_size(f->txs); i++) {
        json_t *t = json_array_get(f->txs, i);
        if (strcmp(json_string_value(json_object_get(t, "type")), type) != 0)
            continue;
        if (with_access && json_array_size(json_object_get(t, "accessList")) == 0)
            continue;
        return i;
    }
    cr_assert_fail("no transaction of type %s in block 19433902", type);
    return 0;
}

#define TX_COMMON "hash from value nonce gas input r s"

Test(eth_json_fields, block_header_members)
{
    fixture f;
    open_fixture(&f);
    scope s = {"block",
               "block",
               "number hash parentHash timestamp miner gasUsed gasLimit sha3Uncles stateRoot "
               "transactionsRoot receiptsRoot logsBloom difficulty extraData mixHash nonce "
               "transactions",
               -1,
               "blobGasUsed excessBlobGas parentBeaconBlockRoot",
               "block: blobGasUsed, excessBlobGas and parentBeaconBlockRoot come together "
               "(Cancun)"};
    strip_each(&s, f.block, f.block, NULL);
    close_fixture(&f);
}

Test(eth_json_fields, legacy_transaction)
{
    fixture f;
    open_fixture(&f);
    size_t i = first_tx(&f, "0x0", false);
    scope s = {"legacy tx", "transaction", TX_COMMON " gasPrice v", (int64_t)i, NULL, NULL};
    strip_each(&s, json_array_get(f.txs, i), f.block, NULL);
    close_fixture(&f);
}

Test(eth_json_fields, access_list_transaction)
{
    fixture f;
    open_fixture(&f);
    size_t i = first_tx(&f, "0x1", false);
    /* v or yParity: either one is enough (removing both is the next test) */
    scope s = {"type-1 tx", "transaction", TX_COMMON " gasPrice chainId accessList",
               (int64_t)i,  NULL,          NULL};
    strip_each(&s, json_array_get(f.txs, i), f.block, NULL);
    close_fixture(&f);
}

Test(eth_json_fields, dynamic_fee_transaction)
{
    fixture f;
    open_fixture(&f);
    size_t i = first_tx(&f, "0x2", false);
    scope s = {"type-2 tx",
               "transaction",
               TX_COMMON " maxFeePerGas maxPriorityFeePerGas chainId accessList",
               (int64_t)i,
               NULL,
               NULL};
    strip_each(&s, json_array_get(f.txs, i), f.block, NULL);
    close_fixture(&f);
}

Test(eth_json_fields, signature_v_and_y_parity)
{
    fixture f;
    open_fixture(&f);
    static const char *const types[] = {"0x1", "0x2"};
    for (size_t k = 0; k < 2; k++) {
        size_t i = first_tx(&f, types[k], false);
        json_t *t = json_array_get(f.txs, i);
        cr_assert_not_null(json_object_get(t, "v"));
        cr_assert_not_null(json_object_get(t, "yParity"));
        json_t *v = json_incref(json_object_get(t, "v"));
        json_t *y = json_incref(json_object_get(t, "yParity"));
        json_object_del(t, "v");
        json_object_del(t, "yParity");
        ct_error err;
        cr_assert_eq(read_bundle(f.block, NULL, &err), CT_ECORRUPT);
        cr_assert_str_eq(err.reason, "missing-field");
        cr_assert_str_eq(err.detail, "transaction has no 'v'");
        cr_assert_eq(err.tx_index, (int64_t)i);
        json_object_set_new(t, "v", v);
        json_object_set_new(t, "yParity", y);
    }
    close_fixture(&f);
}

Test(eth_json_fields, access_list_entry)
{
    fixture f;
    open_fixture(&f);
    size_t i = first_tx(&f, "0x2", true);
    json_t *e = json_array_get(json_object_get(json_array_get(f.txs, i), "accessList"), 0);
    scope s = {
        "access list entry", "access list entry", "address storageKeys", (int64_t)i, NULL, NULL};
    strip_each(&s, e, f.block, NULL);
    close_fixture(&f);
}

/* The first EIP-1559 transaction turned into type 3 or 4 (see the top of the file). */
static size_t make_typed(fixture *f, int type)
{
    size_t i = first_tx(f, "0x2", false);
    json_t *t = json_array_get(f->txs, i);
    cr_assert_not_null(json_object_get(t, "to"));
    if (type == 3) {
        json_object_set_new(t, "type", json_string("0x3"));
        json_object_set_new(t, "maxFeePerBlobGas", json_string("0x3b9aca00"));
        json_object_set_new(
            t, "blobVersionedHashes",
            json_pack("[s]", "0x01a0f2f49bc9e5e5e2bc1c9ab1ed4e12e1e3f3c5b1a0d4cd2b96f5d7a6b9c1e0"));
    } else {
        json_object_set_new(t, "type", json_string("0x4"));
        json_object_set_new(
            t, "authorizationList",
            json_pack("[{s:s,s:s,s:s,s:s,s:s,s:s}]", "chainId", "0x1", "address",
                      "0x63c0c19a282a1b52b07dd5a65b58948a07dae32b", "nonce", "0x0", "yParity",
                      "0x1", "r",
                      "0x9d62c0f2e8a0e5b6a1c93e1ec2e0d7d4f14b6a0b2c4a9b1f0e6d0b3b0c2a5f11", "s",
                      "0x1f3a6d2c0b7e9a4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d"));
    }
    ct_error err;
    cr_assert_eq(read_bundle(f->block, NULL, &err), CT_OK, "type %d: %s %s", type, err.reason,
                 err.detail);
    return i;
}

Test(eth_json_fields, blob_transaction)
{
    fixture f;
    open_fixture(&f);
    size_t i = make_typed(&f, 3);
    scope s = {"type-3 tx",
               "transaction",
               TX_COMMON " to maxFeePerGas maxPriorityFeePerGas chainId accessList "
                         "maxFeePerBlobGas blobVersionedHashes",
               (int64_t)i,
               NULL,
               NULL};
    strip_each(&s, json_array_get(f.txs, i), f.block, NULL);
    close_fixture(&f);
}

Test(eth_json_fields, set_code_transaction_and_authorization)
{
    fixture f;
    open_fixture(&f);
    size_t i = make_typed(&f, 4);
    json_t *t = json_array_get(f.txs, i);
    scope s = {"type-4 tx",
               "transaction",
               TX_COMMON " to maxFeePerGas maxPriorityFeePerGas chainId accessList "
                         "authorizationList",
               (int64_t)i,
               NULL,
               NULL};
    strip_each(&s, t, f.block, NULL);
    scope a = {"authorization",
               "authorization",
               "chainId address nonce yParity r s",
               (int64_t)i,
               NULL,
               NULL};
    strip_each(&a, json_array_get(json_object_get(t, "authorizationList"), 0), f.block, NULL);
    close_fixture(&f);
}

Test(eth_json_fields, withdrawal)
{
    fixture f;
    open_fixture(&f);
    json_t *w = json_array_get(json_object_get(f.block, "withdrawals"), 0);
    cr_assert_not_null(w);
    scope s = {"withdrawal", "withdrawal", "index validatorIndex address amount", -1, NULL, NULL};
    strip_each(&s, w, f.block, NULL);
    close_fixture(&f);
}

Test(eth_json_fields, receipt_and_log)
{
    fixture f;
    open_fixture(&f);
    size_t i = 0;
    while (json_array_size(json_object_get(json_array_get(f.receipts, i), "logs")) == 0)
        i++;
    json_t *r = json_array_get(f.receipts, i);
    scope s = {"receipt", "receipt", "transactionHash gasUsed logs", (int64_t)i, NULL, NULL};
    strip_each(&s, r, f.block, f.receipts);
    scope l = {"log", "log", "address logIndex data topics", (int64_t)i, NULL, NULL};
    strip_each(&l, json_array_get(json_object_get(r, "logs"), 0), f.block, f.receipts);
    close_fixture(&f);
}
