/* `verify` for the Ethereum tables (docs/verify.md, "Ethereum"): over one snapshot, checks
 * that every event has its ledger rows, that the ledger totals are the sums of their
 * ledgers, that blocks connect by parent hash up to the tip, and that the counters equal
 * the rows; and computes the Ethereum content digest (SHA-256 over the rows of the logical
 * tables and the Ethereum meta rows, in key order; undo records are not content). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chaintrail/ethdb.h"
#include "db/db_internal.h"
#include "account/eth_schema.h"
#include "base/hash.h"
#include "store/store.h"

typedef struct ev {
    ct_store *st;
    const ct_store_snapshot *snap;
    ct_eth_verify_report *rep;
    ct_buf v;
} ev;

static void violation(ev *f, const char *fmt, ...) CT_PRINTF(2, 3);
static void violation(ev *f, const char *fmt, ...)
{
    if (f->rep->violations++ == 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(f->rep->first, sizeof(f->rep->first), fmt, ap);
        va_end(ap);
    }
}

static bool digested(uint8_t t)
{
    return t && strchr("ADGHLQSTVWX", t) != NULL;
}

typedef struct sums {
    bool active;
    uint64_t addrid;
    uint32_t asset;
    ct_e_totals t;
} sums;

static int check_totals(ev *f, sums *s, ct_error *err)
{
    if (!s->active)
        return CT_OK;
    uint8_t k[13];
    ct_e_totals w;
    int rc = ct_store_get(f->st, f->snap, k, ct_e_key_totals(k, s->addrid, s->asset), &f->v, err);
    if (rc == CT_ENOTFOUND) {
        violation(f, "ledger %llu/%u has events but no totals row", (unsigned long long)s->addrid,
                  s->asset);
        return CT_OK;
    }
    if (rc != CT_OK)
        return rc;
    if (ct_e_totals_decode(&w, f->v.data, f->v.len, NULL) != CT_OK) {
        violation(f, "totals row of ledger %llu/%u is malformed", (unsigned long long)s->addrid,
                  s->asset);
        return CT_OK;
    }
    if (ct_u256_cmp(&w.received, &s->t.received) || ct_u256_cmp(&w.sent, &s->t.sent) ||
        w.events != s->t.events || ct_acct_pos_cmp(&w.first, &s->t.first) ||
        ct_acct_pos_cmp(&w.last, &s->t.last))
        violation(f, "totals of ledger %llu/%u differ from its %llu events",
                  (unsigned long long)s->addrid, s->asset, (unsigned long long)s->t.events);
    s->active = false;
    return CT_OK;
}

int ct_eth_verify(ct_db *db, ct_eth_verify_report *rep, ct_error *err)
{
    memset(rep, 0, sizeof(*rep));
    ct_store_snapshot *snap = ct_store_snapshot_new(db->st);
    if (!snap)
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "snapshot");
    ev f = {db->st, snap, rep, {0}};
    ct_buf_init(&f.v, 1u << 24);
    ct_sha256_ctx sha;
    ct_sha256_init(&sha);
    ct_e_meta m;
    int rc = ct_e_load_meta(db->st, snap, &m, err);
    ct_store_iter *it = rc == CT_OK ? ct_store_iter_new(db->st, snap) : NULL;
    if (rc == CT_OK && !it)
        rc = ct_fail(err, CT_ENOMEM, "out-of-memory", "iterator");
    uint64_t n[256] = {0};
    uint64_t kinds[8] = {0}, ledger_refs = 0, ledger_groups = 0, totals_rows = 0;
    bool have_prev = false;
    uint32_t prev_h = 0;
    uint8_t prev_hash[32];
    sums s = {0};
    for (ct_store_iter_seek(it, (const uint8_t *)"A", 1); rc == CT_OK && ct_store_iter_valid(it);
         ct_store_iter_next(it)) {
        size_t kl, vl;
        const uint8_t *k = ct_store_iter_key(it, &kl);
        const uint8_t *v = ct_store_iter_value(it, &vl);
        uint8_t t = k[0];
        if (t > 'X')
            break;
        if (t == 'm' || !digested(t))
            continue;
        ct_sha256_row(&sha, k, kl, v, vl);
        rep->rows++;
        n[t]++;
        if (t == CT_E_EVENT) {
            ct_acct_event e;
            if (kl != 13 || ct_e_event_decode(&e, k + 1, v, vl, NULL) != CT_OK) {
                violation(&f, "malformed event row");
                continue;
            }
            if (e.kind < 8)
                kinds[e.kind]++;
            uint64_t sides[2] = {e.from, e.to != e.from ? e.to : 0};
            for (int i = 0; i < 2; i++) {
                if (!sides[i])
                    continue;
                uint8_t lk[25];
                ledger_refs++;
                rc = ct_store_get(db->st, snap, lk, ct_e_key_ledger(lk, sides[i], e.asset, &e.at),
                                  &f.v, err);
                if (rc == CT_ENOTFOUND) {
                    rc = CT_OK;
                    violation(&f, "event %u/%u/%u has no ledger row for address %llu", e.at.height,
                              e.at.tx_index, e.at.pos, (unsigned long long)sides[i]);
                } else if (rc == CT_OK && (f.v.len != vl || memcmp(f.v.data, v, vl) != 0)) {
                    violation(&f, "ledger row of event %u/%u/%u differs from the event",
                              e.at.height, e.at.tx_index, e.at.pos);
                }
            }
        } else if (t == CT_E_LEDGER) {
            ct_acct_event e;
            if (kl != 25 || ct_e_event_decode(&e, k + 13, v, vl, NULL) != CT_OK) {
                violation(&f, "malformed ledger row");
                continue;
            }
            uint64_t a = ct_be64(k + 1);
            uint32_t asset = ct_be32(k + 9);
            if (!s.active || s.addrid != a || s.asset != asset) {
                if ((rc = check_totals(&f, &s, err)) != CT_OK)
                    break;
                memset(&s, 0, sizeof(s));
                s.active = true;
                s.addrid = a;
                s.asset = asset;
                s.t.first = e.at;
                ledger_groups++;
            }
            if (e.asset != asset || (e.from != a && e.to != a))
                violation(&f, "ledger row of %llu/%u holds another ledger's event",
                          (unsigned long long)a, asset);
            if ((e.to == a && ct_u256_add(&s.t.received, &s.t.received, &e.amount)) ||
                (e.from == a && ct_u256_add(&s.t.sent, &s.t.sent, &e.amount)))
                violation(&f, "ledger %llu/%u sums above 2^256", (unsigned long long)a, asset);
            s.t.events++;
            s.t.last = e.at;
        } else if (t == CT_E_TOTALS) {
            if ((rc = check_totals(&f, &s, err)) != CT_OK)
                break;
            totals_rows++;
        } else if (t == CT_E_BLOCK) {
            ct_e_block b;
            if (kl != 5 || ct_e_block_decode(&b, v, vl, NULL) != CT_OK) {
                violation(&f, "malformed block row");
                continue;
            }
            uint32_t h = ct_be32(k + 1);
            if (have_prev && (h != prev_h + 1 || memcmp(b.parent, prev_hash, 32) != 0))
                violation(&f, "block %u does not connect to block %u", h, prev_h);
            if (!have_prev && h != m.first_height)
                violation(&f, "the first block is %u, eth.chain says %u", h, m.first_height);
            uint8_t hk[33], hv[4];
            ct_put_be32(hv, h);
            rc = ct_store_get(db->st, snap, hk, ct_e_key_bytes(hk, CT_E_BHASH, b.hash, 32), &f.v,
                              err);
            if (rc == CT_ENOTFOUND || (rc == CT_OK && (f.v.len != 4 || memcmp(f.v.data, hv, 4)))) {
                rc = CT_OK;
                violation(&f, "block %u has no matching hash row", h);
            }
            have_prev = true;
            prev_h = h;
            memcpy(prev_hash, b.hash, 32);
        }
    }
    if (rc == CT_OK && it)
        rc = ct_store_iter_status(it, err);
    if (rc == CT_OK)
        rc = check_totals(&f, &s, err);
    if (it)
        ct_store_iter_free(it);
    if (rc == CT_OK) {
        /* the Ethereum meta rows are content too */
        static const char *const metas[] = {CT_E_META_CHAIN, CT_E_META_COUNTERS, CT_E_META_NEXT,
                                            CT_E_META_TIP};
        for (size_t i = 0; i < 4 && rc == CT_OK; i++) {
            uint8_t k[32];
            size_t kl = ct_e_key_meta(k, metas[i]);
            rc = ct_store_get(db->st, snap, k, kl, &f.v, err);
            if (rc == CT_OK) {
                ct_sha256_row(&sha, k, kl, f.v.data, f.v.len);
                rep->rows++;
            } else if (rc == CT_ENOTFOUND) {
                rc = CT_OK;
            }
        }
    }
    if (rc == CT_OK) {
        if (have_prev != m.has_tip ||
            (m.has_tip && (prev_h != m.tip_height || memcmp(prev_hash, m.tip_hash, 32) != 0)))
            violation(&f, "eth.tip is not the last block row");
        if (m.c.blocks != n[CT_E_BLOCK] || n[CT_E_BHASH] != n[CT_E_BLOCK])
            violation(&f, "counters: %llu blocks, %llu block rows, %llu hash rows",
                      (unsigned long long)m.c.blocks, (unsigned long long)n[CT_E_BLOCK],
                      (unsigned long long)n[CT_E_BHASH]);
        if (m.c.txs != n[CT_E_TX] || n[CT_E_TXID] != n[CT_E_TX])
            violation(&f, "counters: %llu txs, %llu tx rows, %llu tx hash rows",
                      (unsigned long long)m.c.txs, (unsigned long long)n[CT_E_TX],
                      (unsigned long long)n[CT_E_TXID]);
        if (m.c.events != n[CT_E_EVENT] || m.c.native != kinds[CT_ACCT_NATIVE] ||
            m.c.internal != kinds[CT_ACCT_INTERNAL] || m.c.tokens != kinds[CT_ACCT_TOKEN] ||
            m.c.fees != kinds[CT_ACCT_FEE_BURNT] + kinds[CT_ACCT_FEE_PRIORITY] ||
            m.c.rewards != kinds[CT_ACCT_REWARD])
            violation(&f, "counters of events differ from the %llu event rows",
                      (unsigned long long)n[CT_E_EVENT]);
        if (ledger_refs != n[CT_E_LEDGER])
            violation(&f, "%llu ledger rows for %llu event sides",
                      (unsigned long long)n[CT_E_LEDGER], (unsigned long long)ledger_refs);
        if (ledger_groups != totals_rows)
            violation(&f, "%llu ledgers, %llu totals rows", (unsigned long long)ledger_groups,
                      (unsigned long long)totals_rows);
        if (m.c.addresses != n[CT_E_ADDR] || n[CT_E_ADDRID] != n[CT_E_ADDR])
            violation(&f, "counters: %llu addresses, %llu A rows, %llu D rows",
                      (unsigned long long)m.c.addresses, (unsigned long long)n[CT_E_ADDR],
                      (unsigned long long)n[CT_E_ADDRID]);
        if (m.c.assets != n[CT_E_ASSET] || n[CT_E_ASSETID] != n[CT_E_ASSET])
            violation(&f, "counters: %llu tokens, %llu S rows, %llu Q rows",
                      (unsigned long long)m.c.assets, (unsigned long long)n[CT_E_ASSET],
                      (unsigned long long)n[CT_E_ASSETID]);
        ct_sha256_final(&sha, rep->digest);
        if (rep->violations)
            rc = ct_fail(err, CT_EDBCORRUPT, "invariant-violated",
                         "%llu invariant violation%s in the Ethereum tables: %s",
                         (unsigned long long)rep->violations, rep->violations == 1 ? "" : "s",
                         rep->first);
    }
    ct_buf_release(&f.v);
    ct_store_snapshot_free(db->st, snap);
    return rc;
}
