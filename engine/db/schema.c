/* Row codecs of the graph database; the layouts are documented in docs/storage.md. */
#include <string.h>

#include "db/schema.h"

size_t ct_key_meta(uint8_t *k, const char *name)
{
    size_t n = strlen(name);
    k[0] = CT_T_META;
    memcpy(k + 1, name, n);
    return n + 1;
}

size_t ct_key_user_meta(uint8_t *k, const char *name)
{
    size_t n = strlen(name);
    k[0] = CT_T_USER_META;
    memcpy(k + 1, name, n);
    return n + 1;
}

static int bad_row(ct_error *err, const char *what, size_t got, size_t want)
{
    return ct_fail(err, CT_EDBCORRUPT, "bad-row", "%s row of %zu bytes, expected %zu", what, got,
                   want);
}

size_t ct_row_header_encode(uint8_t *b, const ct_row_header *r)
{
    memcpy(b, r->header, 80);
    ct_put_be32(b + 80, r->height);
    b[84] = r->status;
    memcpy(b + 85, r->chainwork, 32);
    ct_put_be32(b + 117, r->file_id);
    ct_put_be64(b + 121, r->offset);
    ct_put_be32(b + 129, r->size);
    return CT_ROW_HEADER_SIZE;
}

int ct_row_header_decode(ct_row_header *r, const uint8_t *v, size_t n, ct_error *err)
{
    if (n != CT_ROW_HEADER_SIZE)
        return bad_row(err, "header", n, CT_ROW_HEADER_SIZE);
    memcpy(r->header, v, 80);
    r->height = ct_be32(v + 80);
    r->status = v[84];
    memcpy(r->chainwork, v + 85, 32);
    r->file_id = ct_be32(v + 117);
    r->offset = ct_be64(v + 121);
    r->size = ct_be32(v + 129);
    return CT_OK;
}

size_t ct_row_block_encode(uint8_t *b, const ct_row_block *r)
{
    memcpy(b, r->hash, 32);
    ct_put_be64(b + 32, r->first_txnum);
    ct_put_be32(b + 40, r->n_tx);
    ct_put_be32(b + 44, r->time);
    return CT_ROW_BLOCK_SIZE;
}

int ct_row_block_decode(ct_row_block *r, const uint8_t *v, size_t n, ct_error *err)
{
    if (n != CT_ROW_BLOCK_SIZE)
        return bad_row(err, "block", n, CT_ROW_BLOCK_SIZE);
    memcpy(r->hash, v, 32);
    r->first_txnum = ct_be64(v + 32);
    r->n_tx = ct_be32(v + 40);
    r->time = ct_be32(v + 44);
    return CT_OK;
}

size_t ct_row_tx_encode(uint8_t *b, const ct_row_tx *r)
{
    memcpy(b, r->txid, 32);
    ct_put_be32(b + 32, r->height);
    ct_put_be32(b + 36, r->index);
    ct_put_be32(b + 40, r->n_in);
    ct_put_be32(b + 44, r->n_out);
    b[48] = r->flags;
    ct_put_be64(b + 49, r->fee);
    ct_put_be32(b + 57, r->size);
    ct_put_be32(b + 61, r->weight);
    return CT_ROW_TX_SIZE;
}

int ct_row_tx_decode(ct_row_tx *r, const uint8_t *v, size_t n, ct_error *err)
{
    if (n != CT_ROW_TX_SIZE)
        return bad_row(err, "transaction", n, CT_ROW_TX_SIZE);
    memcpy(r->txid, v, 32);
    r->height = ct_be32(v + 32);
    r->index = ct_be32(v + 36);
    r->n_in = ct_be32(v + 40);
    r->n_out = ct_be32(v + 44);
    r->flags = v[48];
    r->fee = ct_be64(v + 49);
    r->size = ct_be32(v + 57);
    r->weight = ct_be32(v + 61);
    return CT_OK;
}

size_t ct_row_input_encode(uint8_t *b, const ct_row_input *r)
{
    ct_put_be64(b, r->prev_txnum);
    ct_put_be32(b + 8, r->prev_vout);
    ct_put_be64(b + 12, r->value);
    ct_put_be64(b + 20, r->addrid);
    if (r->prev_txnum != CT_TXNUM_NONE)
        return CT_ROW_INPUT_SIZE;
    memcpy(b + CT_ROW_INPUT_SIZE, r->prev_txid, 32);
    return CT_ROW_INPUT_SIZE + 32;
}

int ct_row_input_decode(ct_row_input *r, const uint8_t *v, size_t n, ct_error *err)
{
    if (n != CT_ROW_INPUT_SIZE && n != CT_ROW_INPUT_SIZE + 32)
        return bad_row(err, "input", n, CT_ROW_INPUT_SIZE);
    r->prev_txnum = ct_be64(v);
    r->prev_vout = ct_be32(v + 8);
    r->value = ct_be64(v + 12);
    r->addrid = ct_be64(v + 20);
    if ((r->prev_txnum == CT_TXNUM_NONE) != (n == CT_ROW_INPUT_SIZE + 32))
        return bad_row(err, "input", n, CT_ROW_INPUT_SIZE + 32);
    if (n == CT_ROW_INPUT_SIZE + 32)
        memcpy(r->prev_txid, v + CT_ROW_INPUT_SIZE, 32);
    else
        memset(r->prev_txid, 0, 32);
    return CT_OK;
}

size_t ct_row_output_encode(uint8_t *b, const ct_row_output *r)
{
    ct_put_be64(b, r->value);
    b[8] = r->type;
    ct_put_be64(b + 9, r->addrid);
    if (r->data_len)
        memcpy(b + CT_ROW_OUTPUT_SIZE, r->data, r->data_len);
    return CT_ROW_OUTPUT_SIZE + r->data_len;
}

int ct_row_output_decode(ct_row_output *r, const uint8_t *v, size_t n, ct_error *err)
{
    if (n < CT_ROW_OUTPUT_SIZE)
        return bad_row(err, "output", n, CT_ROW_OUTPUT_SIZE);
    r->value = ct_be64(v);
    r->type = v[8];
    r->addrid = ct_be64(v + 9);
    r->data = v + CT_ROW_OUTPUT_SIZE;
    r->data_len = n - CT_ROW_OUTPUT_SIZE;
    return CT_OK;
}

int ct_row_addr_decode(ct_row_addr *r, const uint8_t *v, size_t n, ct_error *err)
{
    const uint8_t *nul = n > 1 ? memchr(v + 1, 0, n - 1) : NULL;
    size_t il = nul ? (size_t)(nul - (v + 1)) : (n ? n - 1 : 0);
    if (n < 2 || il == 0 || il >= CT_BTC_ADDR_MAX)
        return ct_fail(err, CT_EDBCORRUPT, "bad-row", "address row of %zu bytes", n);
    r->type = v[0];
    r->ident = (const char *)v + 1;
    r->ident_len = il;
    r->has_script = nul != NULL;
    r->script = nul ? nul + 1 : NULL;
    r->script_len = nul ? n - 2 - il : 0;
    bool script_id = il == CT_SCRIPT_ID_LEN && memcmp(r->ident, CT_SCRIPT_ID_PREFIX, 7) == 0;
    if (script_id != r->has_script)
        return ct_fail(err, CT_EDBCORRUPT, "bad-row", "address row of %.*s %s its script", (int)il,
                       r->ident, script_id ? "without" : "with");
    return CT_OK;
}

size_t ct_row_spend_encode(uint8_t *b, const ct_row_spend *r)
{
    ct_put_be64(b, r->txnum);
    ct_put_be32(b + 8, r->vin);
    return CT_ROW_SPEND_SIZE;
}

int ct_row_spend_decode(ct_row_spend *r, const uint8_t *v, size_t n, ct_error *err)
{
    if (n != CT_ROW_SPEND_SIZE)
        return bad_row(err, "spend", n, CT_ROW_SPEND_SIZE);
    r->txnum = ct_be64(v);
    r->vin = ct_be32(v + 8);
    return CT_OK;
}

static void put_u64s(uint8_t *b, const uint64_t *f, size_t n)
{
    for (size_t i = 0; i < n; i++)
        ct_put_be64(b + 8 * i, f[i]);
}

static void get_u64s(uint64_t *f, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        f[i] = ct_be64(b + 8 * i);
}

size_t ct_row_totals_encode(uint8_t *b, const ct_row_totals *r)
{
    const uint64_t f[9] = {(uint64_t)r->received,        (uint64_t)r->sent,
                           r->tx_count,                  r->first_txnum,
                           r->last_txnum,                r->outputs,
                           r->unspent_outputs,           (uint64_t)(r->received >> 64),
                           (uint64_t)(r->sent >> 64)};
    bool wide = f[7] || f[8]; /* the shortest form: equal totals give equal bytes */
    put_u64s(b, f, wide ? 9 : 7);
    return wide ? CT_ROW_TOTALS_WIDE : CT_ROW_TOTALS_SIZE;
}

int ct_row_totals_decode(ct_row_totals *r, const uint8_t *v, size_t n, ct_error *err)
{
    uint64_t f[9] = {0};
    if (n != CT_ROW_TOTALS_SIZE && n != CT_ROW_TOTALS_WIDE)
        return bad_row(err, "address totals", n, CT_ROW_TOTALS_SIZE);
    get_u64s(f, v, n / 8);
    if (n == CT_ROW_TOTALS_WIDE && !f[7] && !f[8])
        return ct_fail(err, CT_EDBCORRUPT, "bad-row",
                       "address totals row of %zu bytes whose totals fit in %d", n,
                       CT_ROW_TOTALS_SIZE);
    r->received = (unsigned __int128)f[7] << 64 | f[0];
    r->sent = (unsigned __int128)f[8] << 64 | f[1];
    r->tx_count = f[2];
    r->first_txnum = f[3];
    r->last_txnum = f[4];
    r->outputs = f[5];
    r->unspent_outputs = f[6];
    return CT_OK;
}

size_t ct_counters_encode(uint8_t *b, const ct_counters *r)
{
    const uint64_t f[CT_COUNTERS_FIELDS + 1] = {
        r->blocks,          r->txs,
        r->inputs,          r->outputs,
        r->unspent_outputs, (uint64_t)r->unspent_value,
        r->unknown_prevouts, r->addresses,
        r->overwritten,     (uint64_t)(r->unspent_value >> 64)};
    bool wide = f[CT_COUNTERS_FIELDS] != 0;
    put_u64s(b, f, wide ? CT_COUNTERS_FIELDS + 1 : CT_COUNTERS_FIELDS);
    return wide ? CT_COUNTERS_WIDE : CT_COUNTERS_SIZE;
}

int ct_counters_decode(ct_counters *r, const uint8_t *v, size_t n, ct_error *err)
{
    uint64_t f[CT_COUNTERS_FIELDS + 1] = {0};
    if (n != CT_COUNTERS_SIZE && n != CT_COUNTERS_WIDE)
        return bad_row(err, "counters", n, CT_COUNTERS_SIZE);
    get_u64s(f, v, n / 8);
    if (n == CT_COUNTERS_WIDE && !f[CT_COUNTERS_FIELDS])
        return ct_fail(err, CT_EDBCORRUPT, "bad-row",
                       "counters row of %zu bytes whose unspent value fits in %d", n,
                       CT_COUNTERS_SIZE);
    r->blocks = f[0];
    r->txs = f[1];
    r->inputs = f[2];
    r->outputs = f[3];
    r->unspent_outputs = f[4];
    r->unspent_value = (unsigned __int128)f[CT_COUNTERS_FIELDS] << 64 | f[5];
    r->unknown_prevouts = f[6];
    r->addresses = f[7];
    r->overwritten = f[8];
    return CT_OK;
}

size_t ct_row_next_encode(uint8_t *b, const ct_row_next *r)
{
    ct_put_be64(b, r->txnum);
    ct_put_be64(b + 8, r->addrid);
    ct_put_be32(b + 16, r->file_id);
    return CT_ROW_NEXT_SIZE;
}

int ct_row_next_decode(ct_row_next *r, const uint8_t *v, size_t n, ct_error *err)
{
    if (n != CT_ROW_NEXT_SIZE)
        return bad_row(err, "next ids", n, CT_ROW_NEXT_SIZE);
    r->txnum = ct_be64(v);
    r->addrid = ct_be64(v + 8);
    r->file_id = ct_be32(v + 16);
    return CT_OK;
}

size_t ct_row_tip_encode(uint8_t *b, const ct_row_tip *r)
{
    ct_put_be32(b, r->height);
    memcpy(b + 4, r->hash, 32);
    return CT_ROW_TIP_SIZE;
}

int ct_row_tip_decode(ct_row_tip *r, const uint8_t *v, size_t n, ct_error *err)
{
    if (n != CT_ROW_TIP_SIZE)
        return bad_row(err, "tip", n, CT_ROW_TIP_SIZE);
    r->height = ct_be32(v);
    memcpy(r->hash, v + 4, 32);
    return CT_OK;
}

size_t ct_row_file_encode(uint8_t *b, const ct_row_file *r)
{
    ct_put_be64(b, r->end);
    ct_put_be64(b + 8, r->last_offset);
    memcpy(b + 16, r->last_hash, 32);
    return CT_ROW_FILE_SIZE;
}

int ct_row_file_decode(ct_row_file *r, const uint8_t *v, size_t n, ct_error *err)
{
    if (n != CT_ROW_FILE_SIZE)
        return bad_row(err, "file", n, CT_ROW_FILE_SIZE);
    r->end = ct_be64(v);
    r->last_offset = ct_be64(v + 8);
    memcpy(r->last_hash, v + 16, 32);
    return CT_OK;
}

size_t ct_cl_policy_encode(uint8_t *b, const ct_cl_policy *r)
{
    b[0] = CT_CL_POLICY_VERSION;
    ct_put_be64(b + 1, r->threshold);
    ct_put_be32(b + 9, r->detectors);
    return CT_CL_POLICY_SIZE;
}

int ct_cl_policy_decode(ct_cl_policy *r, const uint8_t *v, size_t n, ct_error *err)
{
    if (n != CT_CL_POLICY_SIZE)
        return bad_row(err, "clustering policy", n, CT_CL_POLICY_SIZE);
    if (v[0] != CT_CL_POLICY_VERSION)
        return ct_fail(err, CT_EDBCORRUPT, "bad-row",
                       "clustering policy of version %u, expected %u", v[0], CT_CL_POLICY_VERSION);
    r->threshold = ct_be64(v + 1);
    r->detectors = ct_be32(v + 9);
    return CT_OK;
}

size_t ct_cl_counters_encode(uint8_t *b, const ct_cl_counters *r)
{
    uint64_t f[CT_CL_COUNTERS_FIELDS] = {r->clusters, r->addresses, r->merges, r->flagged,
                                         r->coinjoins};
    for (int i = 0; i < CT_CL_DETECTORS; i++)
        f[5 + i] = r->by_detector[i];
    put_u64s(b, f, CT_CL_COUNTERS_FIELDS);
    return CT_CL_COUNTERS_SIZE;
}

int ct_cl_counters_decode(ct_cl_counters *r, const uint8_t *v, size_t n, ct_error *err)
{
    uint64_t f[CT_CL_COUNTERS_FIELDS];
    if (n != CT_CL_COUNTERS_SIZE)
        return bad_row(err, "cluster counters", n, CT_CL_COUNTERS_SIZE);
    get_u64s(f, v, CT_CL_COUNTERS_FIELDS);
    r->clusters = f[0];
    r->addresses = f[1];
    r->merges = f[2];
    r->flagged = f[3];
    r->coinjoins = f[4];
    for (int i = 0; i < CT_CL_DETECTORS; i++)
        r->by_detector[i] = f[5 + i];
    return CT_OK;
}

int ct_undo_kv_append(ct_buf *log, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl,
                      bool present)
{
    uint8_t h[5];
    h[0] = (uint8_t)kl;
    if (ct_buf_append(log, h, 1) || ct_buf_append(log, k, kl))
        return CT_ENOMEM;
    h[0] = present;
    ct_put_be32(h + 1, present ? (uint32_t)vl : 0);
    if (ct_buf_append(log, h, 5) || (present && vl && ct_buf_append(log, v, vl)))
        return CT_ENOMEM;
    return CT_OK;
}
