/* Graph queries: chain statistics, address summaries and histories, transactions with their
 * previous outputs and spend links, and blocks, read from the rows the ingest writes
 * (docs/storage.md) through one LevelDB snapshot per call. For `chaintrail show` and
 * `chaintrail stats`, and for the tracer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utxo/graph_internal.h"
#include "cluster/cluster_internal.h"
#include "base/hash.h"

/* ---- the snapshot reader ---- */
int ct_graph_reader_open(ct_graph_reader *r, ct_db *db, ct_error *err)
{
    memset(r, 0, sizeof(*r));
    r->db = db;
    r->st = db->st;
    r->err = err;
    ct_buf_init(&r->v, 1u << 30);
    r->snap = ct_store_snapshot_new(db->st);
    if (!r->snap)
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "taking a snapshot");
    return CT_OK;
}

void ct_graph_reader_close(ct_graph_reader *r)
{
    if (r->snap)
        ct_store_snapshot_free(r->st, r->snap);
    r->snap = NULL;
    ct_buf_release(&r->v);
}

int ct_graph_get(ct_graph_reader *r, const uint8_t *key, size_t klen)
{
    return ct_store_get(r->st, r->snap, key, klen, &r->v, r->err);
}

static int missing(ct_graph_reader *r, const char *what, unsigned long long id)
{
    return ct_fail(r->err, CT_EDBCORRUPT, "missing-row", "the %s row of %llu is missing", what, id);
}

int ct_graph_load_tx(ct_graph_reader *r, uint64_t txnum, ct_row_tx *tx)
{
    uint8_t k[9];
    int rc = ct_graph_get(r, k, ct_key_u64(k, CT_T_TX, txnum));
    if (rc == CT_ENOTFOUND)
        return missing(r, "transaction", (unsigned long long)txnum);
    return rc ? rc : ct_row_tx_decode(tx, r->v.data, r->v.len, r->err);
}

int ct_graph_load_block(ct_graph_reader *r, uint32_t height, ct_row_block *b)
{
    uint8_t k[5];
    int rc = ct_graph_get(r, k, ct_key_u32(k, CT_T_HEIGHT, height));
    if (rc == CT_ENOTFOUND)
        return missing(r, "block at height", height);
    return rc ? rc : ct_row_block_decode(b, r->v.data, r->v.len, r->err);
}

int ct_graph_load_addr(ct_graph_reader *r, uint64_t addrid, char *buf, uint8_t *type)
{
    uint8_t k[9];
    ct_row_addr a;
    int rc = ct_graph_get(r, k, ct_key_u64(k, CT_T_ADDRID, addrid));
    if (rc == CT_ENOTFOUND)
        return missing(r, "address", (unsigned long long)addrid);
    if (rc || (rc = ct_row_addr_decode(&a, r->v.data, r->v.len, r->err)))
        return rc;
    if (type)
        *type = a.type;
    memcpy(buf, a.ident, a.ident_len);
    buf[a.ident_len] = '\0';
    return CT_OK;
}

int ct_graph_load_shown(ct_graph_reader *r, uint64_t addrid, char **out, uint8_t *type)
{
    uint8_t k[9];
    ct_row_addr a;
    *out = NULL;
    int rc = ct_graph_get(r, k, ct_key_u64(k, CT_T_ADDRID, addrid));
    if (rc == CT_ENOTFOUND)
        return missing(r, "address", (unsigned long long)addrid);
    if (rc || (rc = ct_row_addr_decode(&a, r->v.data, r->v.len, r->err)))
        return rc;
    if (type)
        *type = a.type;
    size_t n = a.has_script ? 7 + 2 * a.script_len : a.ident_len;
    char *s = malloc(n + 1);
    if (!s)
        return ct_fail(r->err, CT_ENOMEM, "out-of-memory", "an identity of %zu bytes", n);
    if (a.has_script) {
        memcpy(s, CT_SCRIPT_SHOW, 7);
        ct_hex_encode(s + 7, a.script, a.script_len);
    } else {
        memcpy(s, a.ident, a.ident_len);
        s[n] = '\0';
    }
    *out = s;
    return CT_OK;
}

int ct_graph_identity_key(char key[CT_BTC_ADDR_MAX], const char *identity)
{
    size_t n = strlen(identity);
    if (strncmp(identity, CT_SCRIPT_SHOW, 7) != 0) {
        if (n == 0 || n >= CT_BTC_ADDR_MAX)
            return CT_EINVAL;
        memcpy(key, identity, n + 1);
        return CT_OK;
    }
    const char *hex = identity + 7;
    size_t hl = n - 7;
    if (hl % 2)
        return CT_EINVAL;
    ct_sha256_ctx c;
    ct_sha256_init(&c);
    for (size_t i = 0; i < hl; i += 2) {
        int hi = hex[i], lo = hex[i + 1];
        bool lower = (hi < 'A' || hi > 'F') && (lo < 'A' || lo > 'F');
        if (!lower || ct_hex_digit(hi) < 0 || ct_hex_digit(lo) < 0)
            return CT_EINVAL;
        uint8_t b = (uint8_t)(ct_hex_digit(hi) << 4 | ct_hex_digit(lo));
        ct_sha256_update(&c, &b, 1);
    }
    uint8_t h[32];
    ct_sha256_final(&c, h);
    memcpy(key, CT_SCRIPT_ID_PREFIX, 7);
    ct_hex_encode(key + 7, h, 32);
    return CT_OK;
}

/* The addrid of an address string (a row). */
int ct_graph_find_addrid(ct_graph_reader *r, const char *address, uint64_t *id)
{
    char key[CT_BTC_ADDR_MAX];
    uint8_t k[1 + CT_BTC_ADDR_MAX];
    if (ct_graph_identity_key(key, address) != CT_OK)
        return ct_fail(r->err, CT_ENOTFOUND, "unknown-address",
                       "address '%.200s' is not in the database", address);
    size_t n = strlen(key);
    k[0] = CT_T_ADDR;
    memcpy(k + 1, key, n);
    int rc = ct_graph_get(r, k, n + 1);
    if (rc == CT_ENOTFOUND)
        return ct_fail(r->err, CT_ENOTFOUND, "unknown-address",
                       "address '%.200s' is not in the database", address);
    if (rc)
        return rc;
    if (r->v.len != 8)
        return ct_fail(r->err, CT_EDBCORRUPT, "bad-row", "address row of %zu bytes", r->v.len);
    *id = ct_be64(r->v.data);
    return CT_OK;
}

/* The txnum of a txid (t row). */
static int find_txnum(ct_graph_reader *r, const uint8_t txid[32], uint64_t *txnum)
{
    uint8_t k[33];
    int rc = ct_graph_get(r, k, ct_key_hash(k, CT_T_TXID, txid));
    if (rc == CT_ENOTFOUND) {
        char hex[65];
        ct_hash_to_hex(hex, txid);
        return ct_fail(r->err, CT_ENOTFOUND, "unknown-tx", "transaction %s is not in the database",
                       hex);
    }
    if (rc)
        return rc;
    if (r->v.len != 8)
        return ct_fail(r->err, CT_EDBCORRUPT, "bad-row", "txid row of %zu bytes", r->v.len);
    *txnum = ct_be64(r->v.data);
    return CT_OK;
}

/* ---- statistics ---- */
int ct_graph_stats(ct_db *db, ct_graph_chain_stats *out, ct_error *err)
{
    ct_graph_reader r;
    uint8_t k[16];
    int rc;
    memset(out, 0, sizeof(*out));
    if ((rc = ct_graph_reader_open(&r, db, err)))
        return rc;
    ct_counters c;
    memset(&c, 0, sizeof(c));
    rc = ct_graph_get(&r, k, ct_key_meta(k, "counters"));
    if (rc == CT_OK)
        rc = ct_counters_decode(&c, r.v.data, r.v.len, err);
    if (rc != CT_OK && rc != CT_ENOTFOUND)
        goto out;
    out->blocks = c.blocks;
    out->txs = c.txs;
    out->inputs = c.inputs;
    out->outputs = c.outputs;
    out->unspent_outputs = c.unspent_outputs;
    out->unspent_value = c.unspent_value;
    out->unknown_prevouts = c.unknown_prevouts;
    out->addresses = c.addresses;
    out->overwritten = c.overwritten;
    rc = ct_graph_get(&r, k, ct_key_meta(k, "network"));
    if (rc == CT_OK)
        snprintf(out->network, sizeof(out->network), "%.*s", (int)r.v.len, (const char *)r.v.data);
    else if (rc != CT_ENOTFOUND)
        goto out;
    rc = ct_graph_get(&r, k, ct_key_meta(k, "tip"));
    if (rc == CT_OK) {
        ct_row_tip tip;
        ct_row_block b;
        if ((rc = ct_row_tip_decode(&tip, r.v.data, r.v.len, err)) ||
            (rc = ct_graph_load_block(&r, tip.height, &b)))
            goto out;
        out->has_tip = true;
        out->height = tip.height;
        memcpy(out->tip, tip.hash, 32);
        out->tip_time = b.time;
    }
    rc = rc == CT_ENOTFOUND ? CT_OK : rc;
out:
    ct_graph_reader_close(&r);
    return rc;
}

/* ---- addresses ---- */
int ct_graph_load_seen(ct_graph_reader *r, uint64_t txnum, ct_graph_seen *s)
{
    ct_row_tx tx;
    ct_row_block b;
    int rc;
    if ((rc = ct_graph_load_tx(r, txnum, &tx)) || (rc = ct_graph_load_block(r, tx.height, &b)))
        return rc;
    s->height = tx.height;
    s->time = b.time;
    memcpy(s->txid, tx.txid, 32);
    return CT_OK;
}

int ct_graph_address_get(ct_db *db, ct_graph_address *out, const char *address, ct_error *err)
{
    ct_graph_reader r;
    uint8_t k[9];
    uint8_t type = 0;
    int rc;
    memset(out, 0, sizeof(*out));
    if ((rc = ct_graph_reader_open(&r, db, err)))
        return rc;
    if ((rc = ct_graph_find_addrid(&r, address, &out->addrid)) ||
        (rc = ct_graph_load_shown(&r, out->addrid, &out->address, &type)))
        goto out;
    out->type = (ct_btc_script_type)type;
    rc = ct_graph_get(&r, k, ct_key_u64(k, CT_T_TOTALS, out->addrid));
    if (rc == CT_OK) {
        ct_row_totals t;
        if ((rc = ct_row_totals_decode(&t, r.v.data, r.v.len, err)))
            goto out;
        if (t.sent > t.received) {
            rc = ct_fail(err, CT_EDBCORRUPT, "bad-totals", "address %.200s: sent exceeds received",
                         address);
            goto out;
        }
        out->received_sat = t.received;
        out->sent_sat = t.sent;
        out->balance_sat = t.received - t.sent;
        out->tx_count = t.tx_count;
        out->outputs = t.outputs;
        out->unspent_outputs = t.unspent_outputs;
        if (t.tx_count > 0) {
            if ((rc = ct_graph_load_seen(&r, t.first_txnum, &out->first)) ||
                (rc = ct_graph_load_seen(&r, t.last_txnum, &out->last)))
                goto out;
            out->has_seen = true;
        }
    } else if (rc != CT_ENOTFOUND) {
        goto out;
    }
    rc = ct_graph_get(&r, k, ct_key_u64(k, CT_T_LINK, out->addrid));
    if (rc == CT_OK) {
        if (r.v.len != 8) {
            rc = ct_fail(err, CT_EDBCORRUPT, "bad-row", "link row of %zu bytes", r.v.len);
            goto out;
        }
        rc = ct_graph_load_addr(&r, ct_be64(r.v.data), out->linked, NULL);
    }
    rc = rc == CT_ENOTFOUND ? CT_OK : rc;
    if (rc == CT_OK)
        rc = ct_cluster_check(db, err);
    if (rc == CT_OK && db->clusters) {
        ct_cl_reader cr;
        ct_cl_root root = {0, 0, 0};
        ct_cl_reader_init(&cr, r.st, r.snap, err);
        rc = ct_cl_reader_find(&cr, out->addrid, &root);
        ct_cl_reader_release(&cr);
        out->cluster_id = root.cid;
        out->cluster_size = root.size;
    }
out:
    ct_graph_reader_close(&r);
    if (rc != CT_OK)
        ct_graph_address_release(out);
    return rc;
}

void ct_graph_address_release(ct_graph_address *a)
{
    if (!a)
        return;
    free(a->address);
    a->address = NULL;
}

/* ---- address history ---- */
struct ct_graph_history {
    ct_graph_reader r;
    ct_store_iter *it;
    uint8_t prefix[9]; /* y + addrid */
    bool done;
    bool have_block; /* cache of the block of the last entry */
    uint32_t block_height, block_time;
};

/* Parses "TXID", "TXID:out:N" or "TXID:in:N". *dir is -1 for a bare txid. */
static int parse_cursor(const char *cursor, uint8_t txid[32], int *dir, uint32_t *index,
                        ct_error *err)
{
    const char *s = cursor;
    char hex[65];
    if (strlen(s) < 64)
        goto bad;
    memcpy(hex, s, 64);
    hex[64] = '\0';
    if (ct_hash_from_hex(txid, hex) != CT_OK)
        goto bad;
    s += 64;
    if (*s == '\0') {
        *dir = -1;
        *index = 0;
        return CT_OK;
    }
    if (strncmp(s, ":out:", 5) == 0) {
        *dir = CT_GRAPH_RECEIVED;
        s += 5;
    } else if (strncmp(s, ":in:", 4) == 0) {
        *dir = CT_GRAPH_SENT;
        s += 4;
    } else {
        goto bad;
    }
    uint64_t n;
    if (ct_parse_u64(&n, s) != CT_OK || n > UINT32_MAX)
        goto bad;
    *index = (uint32_t)n;
    return CT_OK;
bad:
    return ct_fail(err, CT_EINVAL, "bad-cursor",
                   "'%s' is not a cursor (TXID, TXID:out:N or TXID:in:N)", cursor);
}

static int history_open(ct_graph_history **out, ct_db *db, const char *address, const char *after,
                        uint64_t from_txnum, ct_error *err);

int ct_graph_history_new(ct_graph_history **out, ct_db *db, const char *address, const char *after,
                         ct_error *err)
{
    return history_open(out, db, address, after, 0, err);
}

int ct_graph_history_from(ct_graph_history **out, ct_db *db, const char *address,
                          uint64_t from_txnum, ct_error *err)
{
    return history_open(out, db, address, NULL, from_txnum, err);
}

static int history_open(ct_graph_history **out, ct_db *db, const char *address, const char *after,
                        uint64_t from_txnum, ct_error *err)
{
    uint64_t addrid;
    uint8_t seek[23];
    size_t seek_len = 9;
    int rc;
    *out = NULL;
    ct_graph_history *h = calloc(1, sizeof(*h));
    if (!h)
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "opening a history");
    if ((rc = ct_graph_reader_open(&h->r, db, err)) ||
        (rc = ct_graph_find_addrid(&h->r, address, &addrid)))
        goto fail;
    h->prefix[0] = CT_T_HISTORY;
    ct_put_be64(h->prefix + 1, addrid);
    memcpy(seek, h->prefix, 9);
    if (from_txnum) {
        ct_put_be64(seek + 9, from_txnum);
        seek_len = 17;
    }
    if (after) {
        uint8_t txid[32];
        uint64_t txnum;
        int dir = -1;
        uint32_t index = 0;
        if ((rc = parse_cursor(after, txid, &dir, &index, err)) ||
            (rc = find_txnum(&h->r, txid, &txnum)))
            goto fail;
        if (dir < 0) { /* after every entry of the transaction */
            ct_put_be64(seek + 9, txnum + 1);
            seek_len = 17;
        } else { /* the key of that entry followed by a zero byte: the next key after it */
            seek_len = ct_key_history(seek, addrid, txnum, (uint8_t)dir, index);
            seek[seek_len++] = 0;
        }
    }
    h->it = ct_store_iter_new(h->r.st, h->r.snap);
    if (!h->it) {
        rc = ct_fail(err, CT_ENOMEM, "out-of-memory", "opening an iterator");
        goto fail;
    }
    ct_store_iter_seek(h->it, seek, seek_len);
    *out = h;
    return CT_OK;
fail:
    ct_graph_history_free(h);
    return rc;
}

int ct_graph_history_next(ct_graph_history *h, ct_graph_entry *e, ct_error *err)
{
    size_t kl, vl;
    int rc;
    h->r.err = err;
    if (h->done || !ct_store_iter_valid(h->it)) {
        h->done = true;
        return (rc = ct_store_iter_status(h->it, err)) ? rc : CT_EEOF;
    }
    const uint8_t *k = ct_store_iter_key(h->it, &kl);
    const uint8_t *v = ct_store_iter_value(h->it, &vl);
    if (kl < 9 || memcmp(k, h->prefix, 9) != 0) {
        h->done = true;
        return CT_EEOF;
    }
    if (kl != 22 || vl != 8 || k[17] > 1)
        return ct_fail(err, CT_EDBCORRUPT, "bad-row", "history row of %zu+%zu bytes", kl, vl);
    uint64_t txnum = ct_be64(k + 9);
    memset(e, 0, sizeof(*e));
    e->direction = (ct_graph_direction)k[17];
    e->index = ct_be32(k + 18);
    e->value = ct_be64(v);
    ct_store_iter_next(h->it); /* k and v are dead from here */

    ct_row_tx tx;
    if ((rc = ct_graph_load_tx(&h->r, txnum, &tx)))
        return rc;
    if (!h->have_block || h->block_height != tx.height) {
        ct_row_block b;
        if ((rc = ct_graph_load_block(&h->r, tx.height, &b)))
            return rc;
        h->have_block = true;
        h->block_height = tx.height;
        h->block_time = b.time;
    }
    memcpy(e->txid, tx.txid, 32);
    e->height = tx.height;
    e->time = h->block_time;
    char hex[65];
    ct_hash_to_hex(hex, tx.txid);
    snprintf(e->cursor, sizeof(e->cursor), "%s:%s:%u", hex,
             e->direction == CT_GRAPH_RECEIVED ? "out" : "in", e->index);
    return CT_OK;
}

void ct_graph_history_free(ct_graph_history *h)
{
    if (!h)
        return;
    ct_store_iter_free(h->it);
    ct_graph_reader_close(&h->r);
    free(h);
}

/* ---- transactions ---- */
void ct_graph_tx_release(ct_graph_tx *tx)
{
    if (!tx)
        return;
    free(tx->in);
    free(tx->out);
    free(tx->priv_);
    memset(tx, 0, sizeof(*tx));
}

/* Appends the shown identity of addrid, NUL-terminated, to the transaction's storage and
 * sets *off to where it starts (SIZE_MAX: none). */
static int append_shown(ct_graph_reader *r, ct_buf *data, uint64_t addrid, size_t *off)
{
    char *s;
    *off = SIZE_MAX;
    if (addrid == CT_ADDRID_NONE)
        return CT_OK;
    int rc = ct_graph_load_shown(r, addrid, &s, NULL);
    if (rc)
        return rc;
    *off = data->len;
    rc = ct_buf_append(data, s, strlen(s) + 1);
    free(s);
    return rc ? ct_fail(r->err, CT_ENOMEM, "out-of-memory", "an identity") : CT_OK;
}

static int load_input(ct_graph_reader *r, ct_graph_input *in, ct_buf *data, size_t *addr_off,
                      uint64_t txnum, uint32_t vin)
{
    uint8_t k[13];
    ct_row_input row;
    int rc = ct_graph_get(r, k, ct_key_u64_u32(k, CT_T_INPUT, txnum, vin));
    if (rc == CT_ENOTFOUND)
        return missing(r, "input", (unsigned long long)vin);
    if (rc || (rc = ct_row_input_decode(&row, r->v.data, r->v.len, r->err)))
        return rc;
    in->prev_vout = row.prev_vout;
    if (row.prev_txnum == CT_TXNUM_NONE) {
        memcpy(in->prev_txid, row.prev_txid, 32);
        return CT_OK;
    }
    ct_row_tx prev;
    if ((rc = ct_graph_load_tx(r, row.prev_txnum, &prev)))
        return rc;
    in->known = true;
    memcpy(in->prev_txid, prev.txid, 32);
    in->value = row.value;
    return append_shown(r, data, row.addrid, addr_off);
}

static int load_output(ct_graph_reader *r, ct_graph_output *o, ct_buf *data, size_t *data_off,
                       size_t *addr_off, uint64_t txnum, uint32_t vout)
{
    uint8_t k[13];
    ct_row_output row;
    int rc = ct_graph_get(r, k, ct_key_u64_u32(k, CT_T_OUTPUT, txnum, vout));
    if (rc == CT_ENOTFOUND)
        return missing(r, "output", (unsigned long long)vout);
    if (rc || (rc = ct_row_output_decode(&row, r->v.data, r->v.len, r->err)))
        return rc;
    o->value = row.value;
    o->type = (ct_btc_script_type)row.type;
    o->data_len = row.data_len;
    *data_off = data->len;
    if (row.data_len && ct_buf_append(data, row.data, row.data_len))
        return ct_fail(r->err, CT_ENOMEM, "out-of-memory", "output data");
    if ((rc = append_shown(r, data, row.addrid, addr_off)))
        return rc;
    rc = ct_graph_get(r, k, ct_key_u64_u32(k, CT_T_SPEND, txnum, vout));
    if (rc == CT_ENOTFOUND)
        return CT_OK;
    ct_row_spend sp;
    if (rc || (rc = ct_row_spend_decode(&sp, r->v.data, r->v.len, r->err)))
        return rc;
    o->spent = true;
    if (sp.txnum == CT_TXNUM_OVERWRITTEN) {
        o->overwritten = true;
        return CT_OK;
    }
    ct_row_tx by;
    if ((rc = ct_graph_load_tx(r, sp.txnum, &by)))
        return rc;
    memcpy(o->spent_by_txid, by.txid, 32);
    o->spent_by_vin = sp.vin;
    return CT_OK;
}

int ct_graph_tx_get(ct_db *db, ct_graph_tx *out, const uint8_t txid[32], ct_error *err)
{
    ct_graph_reader r;
    uint64_t txnum;
    ct_row_tx tx;
    ct_row_block b;
    ct_buf data;
    size_t *offs = NULL, *in_addr = NULL, *out_addr = NULL;
    int rc;
    memset(out, 0, sizeof(*out));
    ct_buf_init(&data, 1u << 30);
    if ((rc = ct_graph_reader_open(&r, db, err)))
        goto out;
    if ((rc = find_txnum(&r, txid, &txnum)) || (rc = ct_graph_load_tx(&r, txnum, &tx)) ||
        (rc = ct_graph_load_block(&r, tx.height, &b)))
        goto out;
    memcpy(out->txid, tx.txid, 32);
    out->height = tx.height;
    memcpy(out->block_hash, b.hash, 32);
    out->block_time = b.time;
    out->index = tx.index;
    out->coinbase = (tx.flags & CT_TXF_COINBASE) != 0;
    out->fee_known = !out->coinbase && !(tx.flags & CT_TXF_UNKNOWN_PREVOUT);
    out->fee = out->fee_known ? tx.fee : 0;
    out->size = tx.size;
    out->weight = tx.weight;
    out->n_in = tx.n_in;
    out->n_out = tx.n_out;
    out->in = calloc(tx.n_in ? tx.n_in : 1, sizeof(*out->in));
    out->out = calloc(tx.n_out ? tx.n_out : 1, sizeof(*out->out));
    offs = calloc(tx.n_out ? tx.n_out : 1, sizeof(*offs));
    in_addr = malloc((tx.n_in ? tx.n_in : 1) * sizeof(*in_addr));
    out_addr = malloc((tx.n_out ? tx.n_out : 1) * sizeof(*out_addr));
    if (!out->in || !out->out || !offs || !in_addr || !out_addr) {
        rc = ct_fail(err, CT_ENOMEM, "out-of-memory", "a transaction of %u inputs, %u outputs",
                     tx.n_in, tx.n_out);
        goto out;
    }
    for (uint32_t i = 0; i < tx.n_in; i++) {
        in_addr[i] = SIZE_MAX;
        if (out->coinbase)
            out->in[i].coinbase = true;
        else if ((rc = load_input(&r, &out->in[i], &data, &in_addr[i], txnum, i)))
            goto out;
    }
    for (uint32_t j = 0; j < tx.n_out; j++)
        if ((rc = load_output(&r, &out->out[j], &data, &offs[j], &out_addr[j], txnum, j)))
            goto out;
    /* The data buffer is final now: point the inputs and outputs into it. */
    for (uint32_t i = 0; i < tx.n_in; i++)
        out->in[i].address = in_addr[i] == SIZE_MAX ? "" : (const char *)data.data + in_addr[i];
    for (uint32_t j = 0; j < tx.n_out; j++) {
        out->out[j].data = out->out[j].data_len ? data.data + offs[j] : NULL;
        out->out[j].address = out_addr[j] == SIZE_MAX ? "" : (const char *)data.data + out_addr[j];
    }
    out->priv_ = data.data;
    data.data = NULL;
out:
    free(offs);
    free(in_addr);
    free(out_addr);
    ct_buf_release(&data);
    ct_graph_reader_close(&r);
    if (rc != CT_OK)
        ct_graph_tx_release(out);
    return rc;
}

/* ---- blocks ---- */
const char *ct_graph_block_status_name(int status)
{
    switch (status) {
    case CT_GRAPH_BLOCK_MAIN:
        return "main";
    case CT_GRAPH_BLOCK_SIDE:
    case CT_GRAPH_BLOCK_SIDE_NODATA:
        return "side";
    case CT_GRAPH_BLOCK_ORPHAN:
        return "orphan";
    case CT_GRAPH_BLOCK_INVALID:
        return "invalid";
    default:
        return "unknown";
    }
}

static const uint8_t zero32[32];

/* Fills *out from the h row of `hash` and, for a main-chain block, its n row. */
static int block_from_header(ct_graph_reader *r, ct_graph_block *out, const uint8_t hash[32])
{
    uint8_t k[33];
    ct_row_header h;
    int rc = ct_graph_get(r, k, ct_key_hash(k, CT_T_HEADER, hash));
    if (rc == CT_ENOTFOUND) {
        char hex[65];
        ct_hash_to_hex(hex, hash);
        return ct_fail(r->err, CT_ENOTFOUND, "unknown-block", "block %s is not in the database",
                       hex);
    }
    if (rc || (rc = ct_row_header_decode(&h, r->v.data, r->v.len, r->err)))
        return rc;
    memset(out, 0, sizeof(*out));
    memcpy(out->hash, hash, 32);
    out->status = h.status;
    out->version = (int32_t)ct_le32(h.header);
    memcpy(out->prev_hash, h.header + 4, 32);
    memcpy(out->merkle_root, h.header + 36, 32);
    out->time = ct_le32(h.header + 68);
    out->bits = ct_le32(h.header + 72);
    out->nonce = ct_le32(h.header + 76);
    /* An orphan's height is unknown; so is that of a block refused because its parent was
     * invalid (stored with height 0 while not the genesis block). */
    out->has_height =
        h.status != CT_BLOCK_ORPHAN && (h.height != 0 || memcmp(out->prev_hash, zero32, 32) == 0);
    out->height = out->has_height ? h.height : 0;
    if (h.status != CT_BLOCK_MAIN)
        return CT_OK;
    ct_row_block b;
    if ((rc = ct_graph_load_block(r, h.height, &b)))
        return rc;
    if (memcmp(b.hash, hash, 32) != 0)
        return ct_fail(r->err, CT_EDBCORRUPT, "bad-header-status",
                       "a main-chain header is not the block at its height %u", h.height);
    out->has_txs = true;
    out->tx_count = b.n_tx;
    out->first_txnum_ = b.first_txnum;
    return CT_OK;
}

int ct_graph_block_by_hash(ct_db *db, ct_graph_block *out, const uint8_t hash[32], ct_error *err)
{
    ct_graph_reader r;
    int rc;
    memset(out, 0, sizeof(*out));
    if ((rc = ct_graph_reader_open(&r, db, err)) == CT_OK)
        rc = block_from_header(&r, out, hash);
    ct_graph_reader_close(&r);
    return rc;
}

int ct_graph_block_by_height(ct_db *db, ct_graph_block *out, uint32_t height, ct_error *err)
{
    ct_graph_reader r;
    uint8_t k[5];
    ct_row_block b;
    int rc;
    memset(out, 0, sizeof(*out));
    if ((rc = ct_graph_reader_open(&r, db, err)))
        goto out;
    rc = ct_graph_get(&r, k, ct_key_u32(k, CT_T_HEIGHT, height));
    if (rc == CT_ENOTFOUND) {
        rc =
            ct_fail(err, CT_ENOTFOUND, "unknown-block", "no main-chain block at height %u", height);
        goto out;
    }
    if (rc || (rc = ct_row_block_decode(&b, r.v.data, r.v.len, err)))
        goto out;
    rc = block_from_header(&r, out, b.hash);
    if (rc == CT_ENOTFOUND)
        rc = ct_fail(err, CT_EDBCORRUPT, "missing-row",
                     "the header of the block at height %u is "
                     "missing",
                     height);
out:
    ct_graph_reader_close(&r);
    return rc;
}

int ct_graph_block_txids(ct_db *db, uint8_t (*txids)[32], size_t *n, const ct_graph_block *b,
                         uint32_t start, size_t max, ct_error *err)
{
    ct_graph_reader r;
    ct_store_iter *it = NULL;
    uint8_t k[9];
    int rc;
    *n = 0;
    if (!b->has_txs)
        return ct_fail(err, CT_EINVAL, "no-txs", "only main-chain blocks list transactions");
    if (start >= b->tx_count || max == 0)
        return CT_OK;
    if ((rc = ct_graph_reader_open(&r, db, err)))
        goto out;
    it = ct_store_iter_new(r.st, r.snap);
    if (!it) {
        rc = ct_fail(err, CT_ENOMEM, "out-of-memory", "opening an iterator");
        goto out;
    }
    /* One range scan over the x rows of the block. */
    uint64_t txnum = b->first_txnum_ + start;
    ct_store_iter_seek(it, k, ct_key_u64(k, CT_T_TX, txnum));
    for (uint32_t i = start; i < b->tx_count && *n < max; i++, txnum++) {
        size_t kl, vl;
        ct_row_tx tx;
        if (!ct_store_iter_valid(it))
            break;
        const uint8_t *key = ct_store_iter_key(it, &kl);
        const uint8_t *val = ct_store_iter_value(it, &vl);
        if (kl != 9 || key[0] != CT_T_TX || ct_be64(key + 1) != txnum)
            break;
        if ((rc = ct_row_tx_decode(&tx, val, vl, err)))
            goto out;
        if (tx.height != b->height || tx.index != i) {
            rc = ct_fail(err, CT_ENOTFOUND, "block-not-main",
                         "the block at height %u is no longer on the main chain", b->height);
            goto out;
        }
        memcpy(txids[(*n)++], tx.txid, 32);
        ct_store_iter_next(it);
    }
    if ((rc = ct_store_iter_status(it, err)))
        goto out;
    if (*n < max && start + *n < b->tx_count)
        rc = ct_fail(err, CT_ENOTFOUND, "block-not-main",
                     "the transactions of the block at height %u are gone", b->height);
out:
    ct_store_iter_free(it);
    ct_graph_reader_close(&r);
    return rc;
}
