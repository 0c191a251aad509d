/* Direct exposure of Ethereum customer rows (docs/scan.md "Ethereum"): as for Bitcoin
 * (direct_batch.c), the work starts from the labelled side. The ledgers of every labelled
 * Ethereum address the policy screens with direct exposure are read once, each asset apart
 * (ETH and every ERC-20 token), and each transfer's other side is looked up among the
 * customers. A transfer has one sender and one receiver, so with the labelled (incoming)
 * or the customer's (outgoing) funds fully tainted, as direct exposure marks them, every
 * model carries the transfer's whole value: the amounts are the same in the five models.
 * Amounts are 256-bit (wei, token base units); a sum past 2^256 - 1 is an error, never a
 * wrapped number. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/hmap.h"
#include "base/util.h"
#include "chaintrail/account.h"
#include "chaintrail/acct_trace.h"
#include "chaintrail/ethdb.h"
#include "chaintrail/scan.h"
#include "scan/scan_internal.h"

typedef struct ecust {
    uint64_t addrid;
    size_t *rows;
    size_t n_rows;
} ecust;

typedef struct elab {
    char *address; /* lowercase, as the label table holds it */
    uint64_t addrid;
    ct_label_category category;
    char *label, *source;
} elab;

typedef struct easset {
    uint32_t asset;
    char name[CT_SCAN_ASSET_MAX + 1]; /* "ETH", the symbol, else the contract */
    char id[CT_SCAN_ASSET_MAX + 1];   /* "ETH" or the contract, lowercase */
    char price_asset[17];             /* "" when not priced */
    uint8_t decimals;
    bool known_decimals;
} easset;

typedef struct efkey {
    size_t row;
    ct_acct_pos first;
    unsigned dir_rank;
    size_t item;
} efkey;

typedef struct eth {
    ct_db *db;
    const ct_scan_policy *p;
    ct_acct_graph g;
    ct_acct_pricing *pricing; /* NULL: no USD */
    ct_hmap cix;              /* addrid (BE64) -> index in c */
    ecust *c;
    size_t n_c;
    elab *l;
    size_t n_l, cap_l;
    easset *as;
    size_t n_as;
    ct_hmap aix; /* asset id (BE32) -> index in as */
    ct_scan_finding *f;
    efkey *keys;
    size_t n_f, cap_f;
    ct_hmap fix; /* (row, direction, labelled, asset) -> index in f */
    ct_labels_reader *lr;
    ct_label_list list;
    uint64_t screened, not_seen;
    ct_error *err;
} eth;

static int oom(eth *e, const char *what)
{
    return ct_fail(e->err, CT_ENOMEM, "out-of-memory", "scan %s", what);
}

char *ct_scan_dup_text(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

static bool find_cust(const eth *e, uint64_t addrid, size_t *i)
{
    uint8_t k[8];
    uint64_t v;
    ct_put_be64(k, addrid);
    if (!ct_hmap_get(&e->cix, k, 8, &v))
        return false;
    *i = (size_t)v;
    return true;
}

static int index_customers(eth *e, const ct_scan_customers *cs, const bool *pick)
{
    e->c = calloc(cs->count ? cs->count : 1, sizeof(*e->c));
    if (!e->c)
        return oom(e, "customers");
    for (size_t r = 0; r < cs->count; r++) {
        const ct_scan_customer *cu = &cs->items[r];
        if (cu->chain != CT_SCAN_ETHEREUM || (pick && !pick[r]))
            continue;
        e->screened++;
        uint64_t id;
        int rc = e->g.addrid_of(e->g.ctx, cu->address, &id, e->err);
        if (rc == CT_ENOTFOUND) {
            e->not_seen++;
            if (e->err)
                ct_error_clear(e->err);
            continue;
        }
        if (rc != CT_OK)
            return rc;
        size_t i;
        if (!find_cust(e, id, &i)) {
            i = e->n_c++;
            e->c[i].addrid = id;
            uint8_t k[8];
            ct_put_be64(k, id);
            if (ct_hmap_put(&e->cix, k, 8, i) != CT_OK)
                return oom(e, "customers");
        }
        ecust *c = &e->c[i];
        size_t *rows = realloc(c->rows, (c->n_rows + 1) * sizeof(*rows));
        if (!rows)
            return oom(e, "customers");
        c->rows = rows;
        c->rows[c->n_rows++] = r;
    }
    return CT_OK;
}

static bool is_eth_address(const char *a)
{
    if (strlen(a) != 42 || a[0] != '0' || a[1] != 'x')
        return false;
    for (int i = 2; i < 42; i++)
        if (!((a[i] >= '0' && a[i] <= '9') || (a[i] >= 'a' && a[i] <= 'f')))
            return false;
    return true;
}

/* One labelled address: kept when it is an Ethereum address the database saw and the policy
 * screens its attribution with direct exposure. */
static int add_labelled(void *arg, const char *a)
{
    eth *e = arg;
    if (!is_eth_address(a))
        return CT_OK;
    int rc = ct_labels_reader_get(e->lr, &e->list, a, e->err);
    if (rc != CT_OK || e->list.count == 0)
        return rc;
    size_t li;
    ct_label_category cat = ct_labels_attribution(&e->list, 0, &li);
    const ct_scan_rule *r = &e->p->rules[cat];
    if (r->severity == CT_SCAN_NONE || !(r->exposure & CT_SCAN_DIRECT))
        return CT_OK;
    uint64_t id;
    rc = e->g.addrid_of(e->g.ctx, a, &id, e->err);
    if (rc == CT_ENOTFOUND) {
        if (e->err)
            ct_error_clear(e->err);
        return CT_OK;
    }
    if (rc != CT_OK)
        return rc;
    if (e->n_l == e->cap_l) {
        size_t cap = e->cap_l ? 2 * e->cap_l : 16;
        elab *n = realloc(e->l, cap * sizeof(*n));
        if (!n)
            return oom(e, "labels");
        e->l = n;
        e->cap_l = cap;
    }
    elab *l = &e->l[e->n_l++];
    *l = (elab){ct_scan_dup_text(a), id, cat, ct_scan_dup_text(e->list.items[li].label),
                ct_scan_dup_text(e->list.items[li].source)};
    if (!l->address || !l->label || !l->source)
        return oom(e, "labels");
    return CT_OK;
}

/* The asset's names and price table, as the account tracer names them (trace.md). */
static int asset_of(eth *e, uint32_t asset, size_t *out)
{
    uint8_t k[4];
    uint64_t v;
    ct_put_be32(k, asset);
    if (ct_hmap_get(&e->aix, k, 4, &v)) {
        *out = (size_t)v;
        return CT_OK;
    }
    easset *n = realloc(e->as, (e->n_as + 1) * sizeof(*n));
    if (!n)
        return oom(e, "assets");
    e->as = n;
    easset *a = &e->as[e->n_as];
    memset(a, 0, sizeof(*a));
    a->asset = asset;
    char symbol[64] = "", contract[43] = "";
    int rc = e->g.asset_info(e->g.ctx, asset, symbol, sizeof(symbol), &a->decimals,
                             &a->known_decimals, contract, e->err);
    if (rc != CT_OK)
        return rc;
    symbol[sizeof(symbol) - 1] = '\0';
    contract[42] = '\0';
    if (asset == CT_ACCT_ASSET_ETH) {
        snprintf(a->id, sizeof(a->id), "ETH");
    } else {
        for (size_t i = 0; contract[i]; i++)
            a->id[i] =
                contract[i] >= 'A' && contract[i] <= 'F' ? (char)(contract[i] + 32) : contract[i];
    }
    bool ticker = symbol[0] && strlen(symbol) <= 16;
    for (size_t i = 0; ticker && symbol[i]; i++) {
        char c = symbol[i];
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        ticker = (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        a->price_asset[i] = c;
    }
    if (!ticker || !a->known_decimals)
        a->price_asset[0] = '\0';
    /* The name: the symbol when it is printable and short, else the contract. */
    bool printable = symbol[0] && strlen(symbol) <= CT_SCAN_ASSET_MAX;
    for (size_t i = 0; printable && symbol[i]; i++)
        printable = (unsigned char)symbol[i] >= 0x20 && (unsigned char)symbol[i] < 0x7f;
    const char *name = printable ? symbol : contract;
    size_t nl = strlen(name) < sizeof(a->name) ? strlen(name) : sizeof(a->name) - 1;
    memcpy(a->name, name, nl);
    a->name[nl] = '\0';
    if (ct_hmap_put(&e->aix, k, 4, e->n_as) != CT_OK)
        return oom(e, "assets");
    *out = e->n_as++;
    return CT_OK;
}

static ct_scan_finding *finding(eth *e, size_t row, unsigned direction, size_t li, size_t ai,
                                const ct_acct_event *ev)
{
    uint8_t key[32];
    uint64_t v;
    ct_put_be64(key, row);
    ct_put_be64(key + 8, direction);
    ct_put_be64(key + 16, li);
    ct_put_be64(key + 24, ai);
    if (ct_hmap_get(&e->fix, key, sizeof(key), &v))
        return &e->f[v];
    if (e->n_f == e->cap_f) {
        size_t cap = e->cap_f ? 2 * e->cap_f : 8;
        ct_scan_finding *n = realloc(e->f, cap * sizeof(*n));
        if (!n)
            return NULL;
        e->f = n;
        efkey *nk = realloc(e->keys, cap * sizeof(*nk));
        if (!nk)
            return NULL;
        e->keys = nk;
        e->cap_f = cap;
    }
    size_t i = e->n_f;
    if (ct_hmap_put(&e->fix, key, sizeof(key), i) != CT_OK)
        return NULL;
    e->n_f++;
    e->keys[i] = (efkey){row, ev->at, direction == CT_SCAN_INCOMING ? 0 : 1, i};
    ct_scan_finding *f = &e->f[i];
    memset(f, 0, sizeof(*f));
    const elab *l = &e->l[li];
    f->customer = row;
    f->chain = CT_SCAN_ETHEREUM;
    f->direction = direction;
    f->exposure = CT_SCAN_DIRECT;
    f->hops = 1;
    f->category = l->category;
    f->severity = e->p->rules[l->category].severity;
    snprintf(f->counterparty, sizeof(f->counterparty), "%s", l->address);
    snprintf(f->label, sizeof(f->label), "%s", l->label);
    snprintf(f->source, sizeof(f->source), "%s", l->source);
    snprintf(f->asset, sizeof(f->asset), "%s", e->as[ai].name);
    snprintf(f->asset_id, sizeof(f->asset_id), "%s", e->as[ai].id);
    f->first_height = ev->at.height;
    f->first_time = ev->time;
    f->usd_known = e->pricing != NULL && e->as[ai].price_asset[0];
    return f;
}

int ct_scan_wide_add(ct_u256 *sum, const ct_u256 *x, const char *what, ct_error *err)
{
    if (ct_u256_add(sum, sum, x))
        return ct_fail(err, CT_EINVAL, "amount-overflow",
                       "%s: the sum of the amounts exceeds 2^256 - 1", what);
    return CT_OK;
}

/* One transfer between labelled address li and customer ci. */
static int record(eth *e, size_t ci, unsigned direction, size_t li, size_t ai,
                  const ct_acct_event *ev)
{
    const easset *a = &e->as[ai];
    uint64_t cents = 0;
    bool priced = e->pricing && a->price_asset[0];
    if (priced) {
        int rc = e->pricing->value(e->pricing->ctx, a->price_asset, a->decimals, &ev->amount,
                                   ev->time, &cents, e->err);
        if (rc == CT_ENOTFOUND) {
            priced = false;
            if (e->err)
                ct_error_clear(e->err);
        } else if (rc != CT_OK) {
            return rc;
        }
    }
    for (size_t k = 0; k < e->c[ci].n_rows; k++) {
        ct_scan_finding *f = finding(e, e->c[ci].rows[k], direction, li, ai, ev);
        if (!f || ct_scan_finding_add_txid(f, ev->txhash) != CT_OK)
            return oom(e, "findings");
        f->last_height = ev->at.height;
        f->last_time = ev->time;
        for (int m = 0; m < CT_MODEL_COUNT; m++) {
            int rc = ct_scan_wide_add(&f->wide[m], &ev->amount, f->counterparty, e->err);
            if (rc != CT_OK)
                return rc;
            f->usd_cents[m] += cents;
        }
        f->usd_known &= priced;
    }
    return CT_OK;
}

typedef struct asset_list {
    uint32_t *a;
    size_t n;
} asset_list;

static int collect_asset(void *arg, uint32_t asset)
{
    asset_list *l = arg;
    uint32_t *n = realloc(l->a, (l->n + 1) * sizeof(*n));
    if (!n)
        return CT_ENOMEM;
    l->a = n;
    l->a[l->n++] = asset;
    return 0;
}

/* The ledgers of labelled address li, asset by asset. */
static int walk_labelled(eth *e, size_t li)
{
    const elab *l = &e->l[li];
    const ct_scan_rule *r = &e->p->rules[l->category];
    asset_list al = {NULL, 0};
    int rc = e->g.ledger_assets(e->g.ctx, l->addrid, collect_asset, &al, e->err);
    if (rc == CT_ENOMEM)
        rc = oom(e, "assets");
    for (size_t k = 0; rc == CT_OK && k < al.n; k++) {
        size_t ai = 0;
        if ((rc = asset_of(e, al.a[k], &ai)) != CT_OK)
            break;
        ct_acct_event ev;
        ct_acct_pos after = {0, 0, 0};
        bool first = true;
        while ((rc = e->g.ledger_next(e->g.ctx, l->addrid, al.a[k], first ? NULL : &after, &ev,
                                      e->err)) == CT_OK) {
            first = false;
            after = ev.at;
            if (ev.kind != CT_ACCT_NATIVE && ev.kind != CT_ACCT_INTERNAL &&
                ev.kind != CT_ACCT_TOKEN)
                continue; /* fees (no receiver) and rewards (no sender) */
            if (ev.from == ev.to)
                continue;
            size_t ci;
            if (ev.from == l->addrid && (r->direction & CT_SCAN_INCOMING) &&
                find_cust(e, ev.to, &ci))
                rc = record(e, ci, CT_SCAN_INCOMING, li, ai, &ev);
            else if (ev.to == l->addrid && (r->direction & CT_SCAN_OUTGOING) &&
                     find_cust(e, ev.from, &ci))
                rc = record(e, ci, CT_SCAN_OUTGOING, li, ai, &ev);
            if (rc != CT_OK)
                break;
        }
        if (rc == CT_ENOTFOUND) {
            rc = CT_OK;
            if (e->err)
                ct_error_clear(e->err);
        }
    }
    free(al.a);
    return rc;
}

static int cmp_key(const void *x, const void *y)
{
    const efkey *a = x, *b = y;
    if (a->row != b->row)
        return a->row < b->row ? -1 : 1;
    int c = ct_acct_pos_cmp(&a->first, &b->first);
    if (c)
        return c;
    if (a->dir_rank != b->dir_rank)
        return a->dir_rank < b->dir_rank ? -1 : 1;
    return a->item < b->item ? -1 : a->item > b->item;
}

int ct_scan_eth_min_units(ct_u256 *out, uint64_t min_sat, unsigned decimals, bool known)
{
    /* min_amount is in 1e-8 of a whole unit of the asset; a token without known decimals
     * is counted in whole base units (decimals 0) */
    unsigned d = known ? decimals : 0;
    *out = ct_u256_from_u64(min_sat);
    ct_u256 ten = ct_u256_from_u64(10);
    if (d >= 8) {
        for (unsigned i = 8; i < d; i++)
            if (ct_u256_mul(out, out, &ten)) {
                memset(out, 0xff, sizeof(*out)); /* above any amount: nothing reaches it */
                return CT_OK;
            }
        return CT_OK;
    }
    uint64_t div = 1;
    for (unsigned i = d; i < 8; i++)
        div *= 10;
    *out = ct_u256_from_u64(min_sat / div + (min_sat % div != 0)); /* rounded up */
    return CT_OK;
}

typedef struct vol_arg {
    uint32_t asset;
    bool found;
    ct_u256 received, sent;
} vol_arg;

static int vol_of(void *arg, const ct_eth_ledger_totals *t)
{
    vol_arg *v = arg;
    if (t->asset != v->asset)
        return 0;
    v->found = true;
    v->received = t->received;
    v->sent = t->sent;
    return 1;
}

int ct_scan_eth_settle(ct_db *db, ct_scan_finding *f, const char *address, uint32_t asset,
                       unsigned decimals, bool known_decimals, const ct_scan_rule *r, bool *keep,
                       ct_error *err)
{
    *keep = false;
    ct_scan_finding_range(f);
    f->wide_low = f->wide_high = f->wide[0];
    for (int m = 1; m < CT_MODEL_COUNT; m++) {
        if (ct_u256_cmp(&f->wide[m], &f->wide_low) < 0)
            f->wide_low = f->wide[m];
        if (ct_u256_cmp(&f->wide[m], &f->wide_high) > 0)
            f->wide_high = f->wide[m];
    }
    vol_arg va = {.asset = asset};
    int rc = ct_eth_address_ledgers(db, address, NULL, vol_of, &va, err);
    if (rc == 1)
        rc = CT_OK;
    if (rc != CT_OK)
        return rc;
    f->wide_volume = !va.found                          ? ct_u256_from_u64(0)
                     : f->direction == CT_SCAN_INCOMING ? va.received
                                                        : va.sent;
    ct_u256 share = ct_u256_from_u64(0), million = ct_u256_from_u64(1000000);
    if (!ct_u256_is_zero(&f->wide_volume) &&
        (rc = ct_u256_muldiv(&share, NULL, &f->wide_high, &million, &f->wide_volume, err)) != CT_OK)
        return rc;
    uint64_t ppm = 0;
    if (!ct_u256_to_u64(&ppm, &share) || ppm > 1000000)
        ppm = 1000000 + 1; /* above the whole: capped below, passes any min_share */
    f->share_ppm = ppm > 1000000 ? 1000000 : (uint32_t)ppm;
    ct_u256 min;
    (void)ct_scan_eth_min_units(&min, r->min_sat, decimals, known_decimals);
    *keep = !(ct_u256_is_zero(&f->wide_high) || ct_u256_cmp(&f->wide_high, &min) < 0 ||
              ppm < r->min_share_ppm || (f->usd_known && f->usd_high < r->min_usd_cents));
    return CT_OK;
}

/* Order, ranges, volumes, shares and thresholds; appends the kept findings to out. */
static int settle(eth *e, const ct_scan_customers *cs, ct_scan_findings *out)
{
    if (e->n_f == 0)
        return CT_OK;
    qsort(e->keys, e->n_f, sizeof(*e->keys), cmp_key);
    size_t need = out->count + e->n_f;
    if (need > out->cap_) {
        ct_scan_finding *n = realloc(out->items, need * sizeof(*n));
        if (!n)
            return oom(e, "findings");
        out->items = n;
        out->cap_ = need;
    }
    int rc = CT_OK;
    for (size_t k = 0; k < e->n_f; k++) {
        ct_scan_finding *f = &e->f[e->keys[k].item];
        if (rc != CT_OK) {
            free(f->txids);
            continue;
        }
        size_t ai = 0;
        for (; ai < e->n_as && strcmp(e->as[ai].id, f->asset_id) != 0; ai++)
            ;
        const easset *a = &e->as[ai];
        bool keep = false;
        rc = ct_scan_eth_settle(e->db, f, cs->items[f->customer].address, a->asset, a->decimals,
                                a->known_decimals, &e->p->rules[f->category], &keep, e->err);
        if (rc != CT_OK || !keep) {
            out->below += rc == CT_OK;
            free(f->txids);
            continue;
        }
        out->items[out->count++] = *f;
    }
    e->n_f = 0;
    return rc;
}

int ct_scan_eth_direct(ct_scan_findings *out, ct_db *db, const ct_scan_customers *customers,
                       const bool *pick, const ct_scan_policy *policy, bool usd, ct_error *err)
{
    eth e;
    memset(&e, 0, sizeof(e));
    e.db = db;
    e.p = policy;
    e.err = err;
    ct_hmap_init(&e.cix);
    ct_hmap_init(&e.aix);
    ct_hmap_init(&e.fix);
    ct_label_list_init(&e.list);
    ct_db_snapshot *snap = ct_db_snapshot_new(db);
    if (!snap)
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "scan snapshot");
    int rc = ct_acct_graph_db(&e.g, db, snap, err);
    bool have_g = rc == CT_OK;
    if (rc == CT_OK && usd)
        rc = ct_acct_pricing_db(&e.pricing, db, err);
    if (rc == CT_OK)
        rc = index_customers(&e, customers, pick);
    if (rc == CT_OK && e.n_c)
        rc = ct_labels_reader_new(&e.lr, db, err);
    if (rc == CT_OK && e.n_c)
        rc = ct_scan_each_labelled(db, add_labelled, &e, err);
    for (size_t li = 0; rc == CT_OK && li < e.n_l; li++)
        rc = walk_labelled(&e, li);
    if (rc == CT_OK)
        rc = settle(&e, customers, out);
    out->screened += e.screened;
    out->not_seen += e.not_seen;
    for (size_t i = 0; i < e.n_f; i++)
        free(e.f[i].txids);
    free(e.f);
    free(e.keys);
    if (e.lr)
        ct_labels_reader_free(e.lr);
    ct_label_list_release(&e.list);
    ct_acct_pricing_db_free(e.pricing);
    if (have_g)
        ct_acct_graph_db_free(&e.g);
    ct_db_snapshot_free(db, snap);
    ct_hmap_release(&e.cix);
    ct_hmap_release(&e.aix);
    ct_hmap_release(&e.fix);
    for (size_t i = 0; i < e.n_c; i++)
        free(e.c[i].rows);
    free(e.c);
    for (size_t i = 0; i < e.n_l; i++) {
        free(e.l[i].address);
        free(e.l[i].label);
        free(e.l[i].source);
    }
    free(e.l);
    free(e.as);
    return rc;
}

/* ---- nightly runs (docs/scan.md "Nightly runs") ---- */
int ct_scan_eth_tip(ct_db *db, bool *has, uint32_t *height, uint8_t hash[32], ct_error *err)
{
    *has = false;
    *height = 0;
    memset(hash, 0, 32);
    ct_eth_stats st;
    int rc = ct_eth_stats_get(db, &st, err);
    if (rc != CT_OK || !st.present || st.height < 0)
        return rc;
    ct_eth_block_info b;
    if ((rc = ct_eth_block_get(db, &b, (uint32_t)st.height, err)) != CT_OK)
        return rc;
    *has = true;
    *height = b.height;
    memcpy(hash, b.hash, 32);
    return CT_OK;
}

int ct_scan_eth_tip_moved(ct_db *db, uint32_t height, const uint8_t hash[32], bool *moved,
                          ct_error *err)
{
    ct_eth_block_info b;
    int rc = ct_eth_block_get(db, &b, height, err);
    if (rc == CT_ENOTFOUND) {
        if (err)
            ct_error_clear(err);
        *moved = true;
        return CT_OK;
    }
    if (rc != CT_OK)
        return rc;
    *moved = memcmp(b.hash, hash, 32) != 0;
    return CT_OK;
}

typedef struct active_arg {
    bool has_tip;
    uint32_t height;
    bool active;
} active_arg;

static int active_of(void *arg, const ct_eth_ledger_totals *t)
{
    active_arg *a = arg;
    if (t->events && (!a->has_tip || t->last.height > a->height))
        a->active = true;
    return 0;
}

int ct_scan_eth_active(ct_db *db, const char *address, bool has_tip, uint32_t height, bool *active,
                       ct_error *err)
{
    active_arg a = {has_tip, height, false};
    *active = false;
    int rc = ct_eth_address_ledgers(db, address, NULL, active_of, &a, err);
    if (rc == CT_ENOTFOUND) {
        if (err)
            ct_error_clear(err);
        return CT_OK;
    }
    *active = a.active;
    return rc;
}
