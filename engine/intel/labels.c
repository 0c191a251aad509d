/* The label store: address normalization, the label rows of the database (tables B and b,
 * meta row "labels": docs/storage.md), the import driver and its sink (validation,
 * batches, exact counters), lookups, stats and the digest. The categories and other words
 * of a label are label_rows.c's.
 * The format readers (labels_read.c, tagpack.c) hand rows to the import through the sink
 * interface of label_rows.h, which they and this file share; they never call this file. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chaintrail/bitcoin.h"
#include "db/db_internal.h"
#include "base/hash.h"
#include "base/hmap.h"
#include "intel/label_rows.h"
#include "intel/labels_internal.h"

enum { T_LABEL = CT_T_LABEL, T_LABEL_SOURCE = CT_T_LABEL_SOURCE };

static char lower_ascii(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* ---- formats ---- */
static const char *const format_names[] = {"auto", "csv", "json", "tagpack", "ofac"};

const char *ct_labels_format_name(ct_labels_format f)
{
    return (unsigned)f < 5 ? format_names[f] : NULL;
}

int ct_labels_format_from_name(ct_labels_format *out, const char *name)
{
    for (unsigned i = 0; i < 5; i++)
        if (strcmp(format_names[i], name) == 0) {
            *out = (ct_labels_format)i;
            return CT_OK;
        }
    return CT_EINVAL;
}

/* ---- addresses and assets ---- */
/* Assets whose addresses are always 0x + 40 hex digits (Avalanche is not: its X and P chains
 * use bech32). */
static const char *const evm_assets[] = {"ETH",   "ETC", "BSC", "ARB", "OP",
                                         "MATIC", "POL", "FTM", "BASE"};

static bool is_evm_asset(const char *a)
{
    for (size_t i = 0; i < sizeof(evm_assets) / sizeof(evm_assets[0]); i++)
        if (strcmp(a, evm_assets[i]) == 0)
            return true;
    return false;
}

/* Normalizes an asset name: trimmed, uppercase, [A-Z0-9._-]{1,16}; XBT is BTC. "" stays "".
 * Returns false for anything else. */
static bool norm_asset(char out[CT_LABEL_ASSET_MAX + 1], const char *in)
{
    size_t n = 0;
    out[0] = '\0';
    if (!in)
        return true;
    while (*in == ' ' || *in == '\t')
        in++;
    size_t len = strlen(in);
    while (len && (in[len - 1] == ' ' || in[len - 1] == '\t'))
        len--;
    if (len > CT_LABEL_ASSET_MAX)
        return false;
    for (; n < len; n++) {
        char c = in[n];
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
            return false;
        out[n] = c;
    }
    out[n] = '\0';
    if (strcmp(out, "XBT") == 0)
        memcpy(out, "BTC", 4);
    return true;
}

static bool is_hex40(const char *s)
{
    for (int i = 0; i < 40; i++)
        if (ct_hex_digit((unsigned char)s[i]) < 0)
            return false;
    return s[40] == '\0';
}

/* A valid Bitcoin address of any network, in canonical form. */
static int btc_canonical(char out[CT_LABEL_ADDRESS_MAX + 1], const char *addr, ct_error *e)
{
    ct_btc_addr a;
    char buf[CT_BTC_ADDR_MAX];
    int rc = ct_btc_addr_decode(&a, addr, NULL, e);
    if (rc)
        return rc;
    if (ct_btc_addr_encode(buf, sizeof(buf), &a) != CT_OK || strlen(buf) > CT_LABEL_ADDRESS_MAX)
        return ct_fail(e, CT_EINVAL, "bad-address", "cannot re-encode '%s'", addr);
    memcpy(out, buf, strlen(buf) + 1);
    return CT_OK;
}

/* Starts like a Bitcoin address of some network: a mistyped one is reported as such. */
static bool looks_bitcoin(const char *a)
{
    if (a[0] && strchr("13mn2", a[0]))
        return true;
    char p[6];
    size_t i;
    for (i = 0; i < 5 && a[i]; i++)
        p[i] = lower_ascii(a[i]);
    p[i] = '\0';
    return strncmp(p, "bc1", 3) == 0 || strncmp(p, "tb1", 3) == 0 || strncmp(p, "bcrt1", 5) == 0;
}

/* The import rules of docs/labels.md. asset is normalized ("" when unknown) and is set to
 * BTC or ETH when the address tells. Returns CT_OK or CT_EINVAL with a reason in e. */
static int norm_address(char out[CT_LABEL_ADDRESS_MAX + 1], char asset[CT_LABEL_ASSET_MAX + 1],
                        const char *addr, ct_error *e)
{
    size_t n = strlen(addr);
    if (n == 0)
        return ct_fail(e, CT_EINVAL, "empty-address", "no address");
    if (n > CT_LABEL_ADDRESS_MAX)
        return ct_fail(e, CT_EINVAL, "bad-address", "address of %zu bytes (%d at most)", n,
                       CT_LABEL_ADDRESS_MAX);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)addr[i];
        if (c <= 0x20 || c >= 0x7f)
            return ct_fail(e, CT_EINVAL, "bad-address",
                           "address '%.*s' holds a space, control or non-ASCII byte",
                           (int)(n > 64 ? 64 : n), addr);
    }
    if (strcmp(asset, "BTC") == 0)
        return btc_canonical(out, addr, e);
    if (addr[0] == '0' && (addr[1] == 'x' || addr[1] == 'X') && is_hex40(addr + 2)) {
        out[0] = '0';
        out[1] = 'x';
        for (int i = 2; i < 42; i++)
            out[i] = lower_ascii(addr[i]);
        out[42] = '\0';
        if (!asset[0])
            memcpy(asset, "ETH", 4);
        return CT_OK;
    }
    if (is_evm_asset(asset))
        return ct_fail(e, CT_EINVAL, "bad-evm-address",
                       "'%s' is not 0x followed by 40 hex digits (asset %s)", addr, asset);
    if (!asset[0] && addr[0] == '0' && (addr[1] == 'x' || addr[1] == 'X'))
        return ct_fail(e, CT_EINVAL, "bad-evm-address", "'%s' is not 0x followed by 40 hex digits",
                       addr);
    if (!asset[0]) {
        ct_error e2;
        ct_error_clear(&e2);
        if (btc_canonical(out, addr, &e2) == CT_OK) {
            memcpy(asset, "BTC", 4);
            return CT_OK;
        }
        if (strcmp(e2.reason, "bad-checksum") == 0 && looks_bitcoin(addr))
            return ct_fail(e, CT_EINVAL, "bad-checksum", "%s", e2.detail);
        return ct_fail(e, CT_EINVAL, "unknown-address-format",
                       "'%s' is neither a Bitcoin nor an 0x address; give its asset", addr);
    }
    memcpy(out, addr, n + 1);
    return CT_OK;
}

int ct_labels_address_normalize(char out[CT_LABEL_ADDRESS_MAX + 1], const char *address,
                                ct_error *err)
{
    char asset[CT_LABEL_ASSET_MAX + 1] = "";
    return norm_address(out, asset, address, err);
}

/* For lookups: the same forms, without rejecting anything. */
static void norm_query(char out[CT_LABEL_ADDRESS_MAX + 1], const char *addr)
{
    char asset[CT_LABEL_ASSET_MAX + 1] = "";
    ct_error e;
    ct_error_clear(&e);
    if (norm_address(out, asset, addr, &e) != CT_OK) {
        size_t n = strlen(addr);
        if (n > CT_LABEL_ADDRESS_MAX)
            n = CT_LABEL_ADDRESS_MAX;
        memcpy(out, addr, n);
        out[n] = '\0';
    }
}

/* ---- rows ---- */
typedef struct label_meta {
    uint64_t labels, addresses, sources;
    uint64_t by_cat[CT_LABEL_CATEGORIES];
} label_meta;

#define META_SIZE (3 * 8 + 1 + CT_LABEL_CATEGORIES * 8)

static size_t meta_encode(uint8_t *v, const label_meta *m)
{
    ct_put_be64(v, m->labels);
    ct_put_be64(v + 8, m->addresses);
    ct_put_be64(v + 16, m->sources);
    v[24] = CT_LABEL_CATEGORIES;
    for (unsigned i = 0; i < CT_LABEL_CATEGORIES; i++)
        ct_put_be64(v + 25 + 8 * i, m->by_cat[i]);
    return META_SIZE;
}

static int meta_decode(label_meta *m, const uint8_t *v, size_t n, ct_error *err)
{
    memset(m, 0, sizeof(*m));
    if (n < 25 || v[24] > CT_LABEL_CATEGORIES || n != 25 + 8 * (size_t)v[24])
        return ct_fail(err, CT_EDBCORRUPT, "bad-row", "labels meta row of %zu bytes", n);
    m->labels = ct_be64(v);
    m->addresses = ct_be64(v + 8);
    m->sources = ct_be64(v + 16);
    for (unsigned i = 0; i < v[24]; i++)
        m->by_cat[i] = ct_be64(v + 25 + 8 * i);
    return CT_OK;
}

static int meta_load(ct_db *db, const ct_store_snapshot *snap, label_meta *m, ct_error *err)
{
    uint8_t k[16];
    ct_buf v;
    ct_buf_init(&v, 1u << 16);
    int rc = ct_store_get(db->st, snap, k, ct_key_user_meta(k, "labels"), &v, err);
    if (rc == CT_OK)
        rc = meta_decode(m, v.data, v.len, err);
    else if (rc == CT_ENOTFOUND) {
        memset(m, 0, sizeof(*m));
        rc = CT_OK;
    }
    ct_buf_release(&v);
    return rc;
}

/* Value of a B row: category u8, confidence u8, reference (the rest). */
typedef struct label_value {
    uint8_t category, confidence;
    const char *ref;
    size_t ref_len;
} label_value;

static int value_decode(label_value *lv, const uint8_t *v, size_t n, ct_error *err)
{
    if (n < 2 || v[0] >= CT_LABEL_CATEGORIES || v[1] > 100 || n - 2 > CT_LABEL_REFERENCE_MAX)
        return ct_fail(err, CT_EDBCORRUPT, "bad-row", "label row value of %zu bytes", n);
    lv->category = v[0];
    lv->confidence = v[1];
    lv->ref = (const char *)v + 2;
    lv->ref_len = n - 2;
    return CT_OK;
}

/* ---- the label keys of a file ----
 * 128 bits of each key's SHA-256 and a tag of its value, 24 bytes a slot (a ct_hmap entry
 * takes 120): repeats within the file are found, and --replace knows what the file holds,
 * at 24-48 bytes per distinct row whatever the rows' length. */
typedef struct seen_slot {
    uint64_t a, b, tag; /* b == 0: empty (b always has its low bit set) */
} seen_slot;

typedef struct seen_set {
    seen_slot *slots;
    size_t size, used; /* size: a power of two, or 0 */
} seen_set;

static size_t seen_find(const seen_set *m, uint64_t a, uint64_t b)
{
    size_t i = (size_t)(a ^ (b >> 1)) & (m->size - 1);
    while (m->slots[i].b && (m->slots[i].a != a || m->slots[i].b != b))
        i = (i + 1) & (m->size - 1);
    return i;
}

static bool seen_get(const seen_set *m, const uint8_t h[32], uint64_t *tag)
{
    if (!m->size)
        return false;
    size_t i = seen_find(m, ct_be64(h), ct_be64(h + 8) | 1);
    if (!m->slots[i].b)
        return false;
    if (tag)
        *tag = m->slots[i].tag;
    return true;
}

static int seen_put(seen_set *m, const uint8_t h[32], uint64_t tag)
{
    if ((m->used + 1) * 10 > m->size * 7) {
        size_t size = m->size ? m->size * 2 : 1024;
        seen_slot *ns = calloc(size, sizeof(*ns));
        if (!ns)
            return CT_ENOMEM;
        seen_set g = {ns, size, 0};
        for (size_t i = 0; i < m->size; i++)
            if (m->slots[i].b) {
                g.slots[seen_find(&g, m->slots[i].a, m->slots[i].b)] = m->slots[i];
                g.used++;
            }
        free(m->slots);
        *m = g;
    }
    uint64_t a = ct_be64(h), b = ct_be64(h + 8) | 1;
    size_t i = seen_find(m, a, b);
    if (!m->slots[i].b)
        m->used++;
    m->slots[i] = (seen_slot){a, b, tag};
    return CT_OK;
}

/* ---- the sink ---- */
#define BATCH_ROWS 5000

typedef struct pending_source {
    char name[CT_LABEL_SOURCE_MAX + 1];
    uint64_t count; /* labels of this source after the batch */
} pending_source;

typedef struct label_import {
    ct_db *db;
    const ct_labels_import_options *opts;
    ct_labels_import_stats *stats;
    const ct_labels_file *file;
    char source[CT_LABEL_SOURCE_MAX + 1];
    char asset[CT_LABEL_ASSET_MAX + 1];
    uint8_t confidence;
    label_meta meta;
    ct_store_batch *batch;
    size_t batch_rows;
    ct_store_iter *it;
    seen_set seen;       /* every label key of the file so far -> value tag */
    ct_hmap pend;        /* of the batch: new addresses, sources */
    ct_hmap touched;     /* replace: the sources of the file's rows (hkey 'S') -> index */
    char **touched_name; /* their names */
    size_t n_touched;
    pending_source *srcs;
    size_t n_srcs, cap_srcs;
    ct_buf key, val, tmp;
    ct_buf skey; /* keys of b rows (key holds the row being written) */
    ct_error *err;
} label_import;

static void imp_set_source(label_import *s, const char *source)
{
    snprintf(s->source, sizeof(s->source), "%s", source);
}

static void imp_set_confidence(label_import *s, uint8_t confidence)
{
    s->confidence = confidence > 100 ? 100 : confidence;
}

static void imp_set_asset(label_import *s, const char *asset)
{
    if (!norm_asset(s->asset, asset))
        s->asset[0] = '\0';
}

static const char *imp_forced_asset(const label_import *s)
{
    return s->opts->asset;
}

static void count_reason(ct_labels_import_stats *st, const char *reason)
{
    size_t i;
    for (i = 0; i < st->n_reasons; i++)
        if (strcmp(st->reasons[i].reason, reason) == 0)
            break;
    if (i == st->n_reasons) {
        if (st->n_reasons == CT_LABELS_REASONS - 1) {
            reason = "other";
            for (i = 0; i < st->n_reasons; i++)
                if (strcmp(st->reasons[i].reason, reason) == 0)
                    break;
        }
        if (i == st->n_reasons) {
            snprintf(st->reasons[i].reason, CT_LABELS_REASON_MAX, "%s", reason);
            st->reasons[i].count = 0;
            st->n_reasons++;
        }
    }
    st->reasons[i].count++;
}

static void reject_err(label_import *s, uint64_t line, uint64_t offset, ct_error *e)
{
    s->stats->rejected++;
    count_reason(s->stats, e->reason);
    e->offset = offset;
    ct_error_set_file(e, s->file->path);
    if (s->opts->report)
        s->opts->report(s->opts->ctx, s->file->path, line, e);
}

static int imp_reject(label_import *s, uint64_t line, uint64_t offset, const char *reason,
                      const char *detail)
{
    ct_error e;
    ct_error_clear(&e);
    e.code = CT_ECORRUPT;
    snprintf(e.reason, sizeof(e.reason), "%s", reason);
    snprintf(e.detail, sizeof(e.detail), "%s", detail);
    s->stats->rows++; /* a row the reader could not hand over */
    reject_err(s, line, offset, &e);
    return CT_OK;
}

static void hkey(uint8_t out[33], char kind, const void *p, size_t n)
{
    out[0] = (uint8_t)kind;
    ct_sha256(out + 1, p, n);
}

static int sink_flush(label_import *s)
{
    int rc;
    if (s->batch_rows == 0)
        return CT_OK;
    for (size_t i = 0; i < s->n_srcs; i++) {
        uint8_t v[8];
        ct_buf_reset(&s->skey);
        if ((rc = ct_buf_putc(&s->skey, (char)T_LABEL_SOURCE)) ||
            (rc = ct_buf_puts(&s->skey, s->srcs[i].name)))
            return ct_fail(s->err, rc, "out-of-memory", "label batch");
        ct_put_be64(v, s->srcs[i].count);
        ct_store_batch_put(s->batch, s->skey.data, s->skey.len, v, 8);
    }
    uint8_t mk[16], mv[META_SIZE];
    ct_store_batch_put(s->batch, mk, ct_key_user_meta(mk, "labels"), mv, meta_encode(mv, &s->meta));
    if ((rc = ct_store_write(s->db->st, s->batch, true, s->err)))
        return rc;
    ct_store_batch_clear(s->batch);
    ct_hmap_clear(&s->pend);
    s->n_srcs = 0;
    s->batch_rows = 0;
    ct_store_iter_free(s->it);
    s->it = ct_store_iter_new(s->db->st, NULL);
    if (!s->it)
        return ct_fail(s->err, CT_ENOMEM, "out-of-memory", "label iterator");
    return CT_OK;
}

/* Does any committed row of this address exist? (key = 'B' + address + 0x00 + ...) */
static int address_known(label_import *s, const uint8_t *prefix, size_t plen, bool *known)
{
    ct_store_iter_seek(s->it, prefix, plen);
    *known = false;
    if (ct_store_iter_valid(s->it)) {
        size_t kl;
        const uint8_t *k = ct_store_iter_key(s->it, &kl);
        *known = kl >= plen && memcmp(k, prefix, plen) == 0;
        return CT_OK;
    }
    return ct_store_iter_status(s->it, s->err);
}

/* Counts a new label of source `name`, reading its committed count once per batch. */
static int source_add(label_import *s, const char *name)
{
    uint8_t h[33];
    uint64_t idx;
    int rc;
    hkey(h, 'S', name, strlen(name));
    if (ct_hmap_get(&s->pend, h, sizeof(h), &idx)) {
        s->srcs[idx].count++;
        return CT_OK;
    }
    if (s->n_srcs == s->cap_srcs) {
        size_t cap = s->cap_srcs ? s->cap_srcs * 2 : 16;
        pending_source *ns = realloc(s->srcs, cap * sizeof(*ns));
        if (!ns)
            return ct_fail(s->err, CT_ENOMEM, "out-of-memory", "label sources");
        s->srcs = ns;
        s->cap_srcs = cap;
    }
    pending_source *ps = &s->srcs[s->n_srcs];
    snprintf(ps->name, sizeof(ps->name), "%s", name);
    ct_buf_reset(&s->skey);
    if ((rc = ct_buf_putc(&s->skey, (char)T_LABEL_SOURCE)) || (rc = ct_buf_puts(&s->skey, name)))
        return ct_fail(s->err, rc, "out-of-memory", "label sources");
    rc = ct_store_get(s->db->st, NULL, s->skey.data, s->skey.len, &s->tmp, s->err);
    if (rc == CT_OK) {
        if (s->tmp.len != 8)
            return ct_fail(s->err, CT_EDBCORRUPT, "bad-row", "label source row of %zu bytes",
                           s->tmp.len);
        ps->count = ct_be64(s->tmp.data) + 1;
    } else if (rc == CT_ENOTFOUND) {
        ps->count = 1;
        s->meta.sources++;
    } else {
        return rc;
    }
    if ((rc = ct_hmap_put(&s->pend, h, sizeof(h), s->n_srcs)))
        return ct_fail(s->err, rc, "out-of-memory", "label sources");
    s->n_srcs++;
    return CT_OK;
}

static void trim_copy(char *out, size_t cap, const char *in, size_t *len_out, bool *too_long)
{
    size_t n;
    *too_long = false;
    if (!in)
        in = "";
    while (*in == ' ' || *in == '\t' || *in == '\r' || *in == '\n')
        in++;
    n = strlen(in);
    while (n && (in[n - 1] == ' ' || in[n - 1] == '\t' || in[n - 1] == '\r' || in[n - 1] == '\n'))
        n--;
    if (n >= cap) {
        *too_long = true;
        n = cap - 1;
    }
    memcpy(out, in, n);
    out[n] = '\0';
    *len_out = n;
}

/* Replace: remembers a source of the file's rows. */
static int touch(label_import *s, const char *source)
{
    uint8_t h[33];
    uint64_t idx;
    hkey(h, 'S', source, strlen(source));
    if (ct_hmap_get(&s->touched, h, sizeof(h), &idx))
        return CT_OK;
    char **nn = realloc(s->touched_name, (s->n_touched + 1) * sizeof(*nn));
    if (!nn)
        return CT_ENOMEM;
    s->touched_name = nn;
    if (!(nn[s->n_touched] = strdup(source)))
        return CT_ENOMEM;
    s->n_touched++;
    return ct_hmap_put(&s->touched, h, sizeof(h), s->n_touched - 1);
}

/* A row of a Bitcoin list whose address is a well-formed address of another chain: a
 * Base58Check or bech32 address with a valid checksum whose version byte or prefix no
 * Bitcoin network uses (the TRON address of OFAC's XBT list), or an 0x address. */
static bool other_chain(const char *asset, const char *addr, const ct_error *e)
{
    if (strcmp(asset, "BTC") != 0)
        return false;
    if (addr[0] == '0' && (addr[1] == 'x' || addr[1] == 'X') && is_hex40(addr + 2))
        return true;
    return strcmp(e->reason, "bad-prefix") == 0 &&
           strstr(e->detail, "belongs to no known network") != NULL;
}

static int imp_row(label_import *s, const ct_label_row *r)
{
    char addr_in[CT_LABEL_ADDRESS_MAX + 2], addr[CT_LABEL_ADDRESS_MAX + 1];
    char asset[CT_LABEL_ASSET_MAX + 1];
    ct_error e;
    size_t n;
    bool too_long;
    int rc;
    ct_error_clear(&e);
    s->stats->rows++;

    const char *asset_src = s->opts->asset              ? s->opts->asset
                            : (r->asset && r->asset[0]) ? r->asset
                                                        : s->asset;
    if (!norm_asset(asset, asset_src)) {
        ct_fail(&e, CT_ECORRUPT, "bad-asset", "asset '%.40s' is not 1-16 letters or digits",
                asset_src);
        reject_err(s, r->line, r->offset, &e);
        return CT_OK;
    }
    trim_copy(addr_in, sizeof(addr_in), r->address, &n, &too_long);
    if (too_long) {
        ct_fail(&e, CT_ECORRUPT, "bad-address", "address longer than %d bytes",
                CT_LABEL_ADDRESS_MAX);
        reject_err(s, r->line, r->offset, &e);
        return CT_OK;
    }
    if (norm_address(addr, asset, addr_in, &e) != CT_OK) {
        if (other_chain(asset, addr_in, &e)) {
            ct_error_clear(&e);
            ct_fail(&e, CT_ENETWORK, "other-chain",
                    "'%s' is an address of another chain, not %s: skipped", addr_in, asset);
            s->stats->skipped++;
            e.offset = r->offset;
            ct_error_set_file(&e, s->file->path);
            if (s->opts->report)
                s->opts->report(s->opts->ctx, s->file->path, r->line, &e);
            return CT_OK;
        }
        e.code = CT_ECORRUPT;
        reject_err(s, r->line, r->offset, &e);
        return CT_OK;
    }

    const char *source = s->opts->source               ? s->opts->source
                         : (r->source && r->source[0]) ? r->source
                                                       : s->source;
    size_t slen = strlen(source);
    const char *label = r->label ? r->label : "";
    size_t llen = r->label_len ? r->label_len : strlen(label);
    const char *ref = r->reference ? r->reference : "";
    size_t rlen = strlen(ref);
    const char *why = NULL, *reason = NULL;
    if (slen == 0)
        reason = "empty-source", why = "no source";
    else if (slen > CT_LABEL_SOURCE_MAX)
        reason = "bad-source", why = "source longer than 200 bytes";
    else if (!ct_labels_utf8_ok(source, slen))
        reason = "bad-utf8", why = "source is not valid UTF-8";
    else if (llen == 0)
        reason = "empty-label", why = "no label text";
    else if (llen > CT_LABEL_TEXT_MAX)
        reason = "label-too-long", why = "label longer than 1000 bytes";
    else if (memchr(label, '\0', llen))
        reason = "bad-label", why = "label holds a NUL character";
    else if (!ct_labels_utf8_ok(label, llen))
        reason = "bad-utf8", why = "label is not valid UTF-8";
    else if (rlen > CT_LABEL_REFERENCE_MAX)
        reason = "bad-reference", why = "reference longer than 1000 bytes";
    else if (!ct_labels_utf8_ok(ref, rlen))
        reason = "bad-utf8", why = "reference is not valid UTF-8";
    if (reason) {
        ct_fail(&e, CT_ECORRUPT, reason, "%s: %s", addr, why);
        reject_err(s, r->line, r->offset, &e);
        return CT_OK;
    }
    ct_label_category cat =
        s->opts->category >= 0 && s->opts->category < CT_LABEL_CATEGORIES
            ? (ct_label_category)s->opts->category
            : ((unsigned)r->category < CT_LABEL_CATEGORIES ? r->category : CT_LABEL_OTHER);
    uint8_t conf =
        r->confidence >= 0 && r->confidence <= 100 ? (uint8_t)r->confidence : s->confidence;

    /* key and value */
    size_t alen = strlen(addr), aslen = strlen(asset);
    ct_buf_reset(&s->key);
    ct_buf_reset(&s->val);
    uint8_t head[2] = {(uint8_t)cat, conf};
    if ((rc = ct_buf_putc(&s->key, (char)T_LABEL)) || (rc = ct_buf_append(&s->key, addr, alen + 1)) ||
        (rc = ct_buf_append(&s->key, source, slen + 1)) ||
        (rc = ct_buf_append(&s->key, label, llen)) || (rc = ct_buf_putc(&s->key, '\0')) ||
        (rc = ct_buf_append(&s->key, asset, aslen)) || (rc = ct_buf_append(&s->val, head, 2)) ||
        (rc = ct_buf_append(&s->val, ref, rlen)))
        return ct_fail(s->err, rc, "out-of-memory", "label row");

    uint8_t hk[33], hv[32];
    uint64_t pv;
    hkey(hk, 'K', s->key.data, s->key.len);
    ct_sha256(hv, s->val.data, s->val.len);
    uint64_t vtag = (ct_be64(hv) & ~(uint64_t)0xff) | (uint64_t)cat;
    int old_cat = -1; /* category of the existing row when it differs */
    if (seen_get(&s->seen, hk + 1, &pv)) {
        /* The same address, source, label and asset earlier in this file: the first one
         * wins, so that a second import finds everything as the first left it. */
        if (pv == vtag) {
            s->stats->present++;
            return CT_OK;
        }
        ct_fail(&e, CT_ECORRUPT, "duplicate-conflict",
                "%s: the same label of the same source earlier in the file says otherwise "
                "(category, confidence or reference); the first one is kept",
                addr);
        reject_err(s, r->line, r->offset, &e);
        return CT_OK;
    }
    if ((rc = seen_put(&s->seen, hk + 1, vtag)) || (s->opts->replace && (rc = touch(s, source))))
        return ct_fail(s->err, rc, "out-of-memory", "label import");
    rc = ct_store_get(s->db->st, NULL, s->key.data, s->key.len, &s->tmp, s->err);
    if (rc == CT_OK) {
        label_value lv = {0};
        if ((rc = value_decode(&lv, s->tmp.data, s->tmp.len, s->err)))
            return rc;
        if (s->tmp.len == s->val.len && memcmp(s->tmp.data, s->val.data, s->val.len) == 0) {
            s->stats->present++;
            return CT_OK;
        }
        old_cat = lv.category;
    } else if (rc != CT_ENOTFOUND) {
        return rc;
    }
    if (old_cat >= 0) {
        s->stats->updated++;
        s->meta.by_cat[old_cat]--;
        s->meta.by_cat[cat]++;
    } else {
        /* A new label: is its address new, and its source? */
        uint8_t ha[33];
        hkey(ha, 'A', addr, alen);
        if (!ct_hmap_get(&s->pend, ha, sizeof(ha), &pv)) {
            bool known;
            if ((rc = address_known(s, s->key.data, 1 + alen + 1, &known)))
                return rc;
            if (!known)
                s->meta.addresses++;
            if ((rc = ct_hmap_put(&s->pend, ha, sizeof(ha), 1)))
                return ct_fail(s->err, rc, "out-of-memory", "label batch");
        }
        if ((rc = source_add(s, source)))
            return rc;
        s->stats->added++;
        s->meta.labels++;
        s->meta.by_cat[cat]++;
    }
    ct_store_batch_put(s->batch, s->key.data, s->key.len, s->val.data, s->val.len);
    if (++s->batch_rows >= BATCH_ROWS)
        return sink_flush(s);
    return CT_OK;
}

/* ---- withdrawing labels ---- */
/* Writes the batch with the counters: meta row and the b row of `source` (count, or
 * deleted at 0). */
static int sweep_write(ct_db *db, ct_store_batch *b, const label_meta *meta, const ct_buf *skey,
                       uint64_t count, ct_error *err)
{
    uint8_t mk[16], mv[META_SIZE], v[8];
    if (count) {
        ct_put_be64(v, count);
        ct_store_batch_put(b, skey->data, skey->len, v, 8);
    } else {
        ct_store_batch_del(b, skey->data, skey->len);
    }
    ct_store_batch_put(b, mk, ct_key_user_meta(mk, "labels"), mv, meta_encode(mv, meta));
    int rc = ct_store_write(db->st, b, true, err);
    ct_store_batch_clear(b);
    return rc;
}

/* Removes the labels of `source` whose key is not in `keep` (NULL: all of them), walking
 * every label row once (the rows are keyed by address), in batches that each carry exact
 * counters: an address leaves the count with its last label. Adds to *removed. */
static int sweep_source(ct_db *db, label_meta *meta, const char *source, const seen_set *keep,
                        uint64_t *removed, ct_error *err)
{
    size_t slen = strlen(source);
    ct_buf skey, addr;
    ct_buf_init(&skey, 1u << 12);
    ct_buf_init(&addr, 1u << 12);
    ct_store_batch *b = ct_store_batch_new();
    ct_store_iter *it = ct_store_iter_new(db->st, NULL);
    int rc = CT_OK;
    uint64_t count = 0, pending = 0;
    if (!b || !it || ct_buf_putc(&skey, (char)T_LABEL_SOURCE) || ct_buf_puts(&skey, source) ||
        ct_buf_putc(&addr, '\0')) {
        rc = ct_fail(err, CT_ENOMEM, "out-of-memory", "removing labels");
        goto out;
    }
    rc = ct_store_get(db->st, NULL, skey.data, skey.len, &addr, err);
    if (rc == CT_ENOTFOUND) { /* no label of that source */
        rc = CT_OK;
        goto out;
    }
    if (rc != CT_OK)
        goto out;
    if (addr.len != 8) {
        rc = ct_fail(err, CT_EDBCORRUPT, "bad-row", "label source row of %zu bytes", addr.len);
        goto out;
    }
    count = ct_be64(addr.data);
    ct_buf_reset(&addr);
    uint8_t t = T_LABEL;
    size_t group_rows = 0, group_gone = 0;
    for (ct_store_iter_seek(it, &t, 1);; ct_store_iter_next(it)) {
        size_t kl = 0, vl;
        const uint8_t *k = ct_store_iter_valid(it) ? ct_store_iter_key(it, &kl) : NULL;
        bool more = k && kl > 0 && k[0] == T_LABEL;
        const uint8_t *a_end = more ? memchr(k + 1, '\0', kl - 1) : NULL;
        if (more && !a_end) {
            rc = ct_fail(err, CT_EDBCORRUPT, "bad-row", "label key of %zu bytes", kl);
            goto out;
        }
        size_t alen = more ? (size_t)(a_end - (k + 1)) : 0;
        if (!more || alen != addr.len || memcmp(addr.data, k + 1, alen) != 0) {
            /* the end of one address's labels */
            if (group_rows && group_gone == group_rows)
                meta->addresses--;
            if (pending >= BATCH_ROWS) {
                if ((rc = sweep_write(db, b, meta, &skey, count, err)))
                    goto out;
                pending = 0;
            }
            if (!more)
                break;
            ct_buf_reset(&addr);
            if ((rc = ct_buf_append(&addr, k + 1, alen))) {
                rc = ct_fail(err, rc, "out-of-memory", "removing labels");
                goto out;
            }
            group_rows = group_gone = 0;
        }
        group_rows++;
        const uint8_t *src = a_end + 1;
        size_t left = kl - (size_t)(src - k);
        if (left <= slen || src[slen] != '\0' || memcmp(src, source, slen) != 0)
            continue;
        uint8_t h[32];
        ct_sha256(h, k, kl);
        if (keep && seen_get(keep, h, NULL))
            continue;
        label_value lv = {0};
        const uint8_t *v = ct_store_iter_value(it, &vl);
        if ((rc = value_decode(&lv, v, vl, err)))
            goto out;
        ct_store_batch_del(b, k, kl);
        meta->labels--;
        meta->by_cat[lv.category]--;
        count--;
        group_gone++;
        pending++;
        (*removed)++;
    }
    if ((rc = ct_store_iter_status(it, err)))
        goto out;
    if (count == 0)
        meta->sources--;
    rc = sweep_write(db, b, meta, &skey, count, err);
out:
    ct_store_iter_free(it);
    ct_store_batch_free(b);
    ct_buf_release(&skey);
    ct_buf_release(&addr);
    return rc;
}

int ct_labels_remove_source(ct_db *db, const char *source, uint64_t *removed, ct_error *err)
{
    label_meta meta;
    *removed = 0;
    if (!source[0] || strlen(source) > CT_LABEL_SOURCE_MAX ||
        !ct_labels_utf8_ok(source, strlen(source)))
        return ct_fail(err, CT_EINVAL, "bad-source", "a source is 1 to 200 bytes of UTF-8");
    int rc = meta_load(db, NULL, &meta, err);
    if (rc == CT_OK)
        rc = sweep_source(db, &meta, source, NULL, removed, err);
    return rc;
}

/* ---- the import driver ---- */
#define FILE_MAX ((size_t)1 << 30) /* JSON and TagPack files are read whole */

/* The source a file's rows get by default, from its name: the name when it is 1 to 200
 * bytes of UTF-8; else each byte that is not part of a valid UTF-8 character becomes '?'
 * and the result is cut at a character boundary at 200 bytes. Returns true when it had to
 * change the name. */
static bool source_from_name(char out[CT_LABEL_SOURCE_MAX + 1], const char *name)
{
    size_t n = 0, len = strlen(name);
    for (size_t i = 0; i < len;) {
        size_t k = 1;
        unsigned char c = (unsigned char)name[i];
        if (c >= 0x80) { /* the length of a valid sequence here, else 1 byte replaced */
            size_t want = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 0;
            k = want && i + want <= len && ct_labels_utf8_ok(name + i, want) ? want : 0;
        }
        if (n + (k ? k : 1) > CT_LABEL_SOURCE_MAX)
            break;
        if (k)
            memcpy(out + n, name + i, k);
        else
            out[n] = '?';
        n += k ? k : 1;
        i += k ? k : 1;
    }
    out[n] = '\0';
    return n != len || memcmp(out, name, n) != 0;
}

static void file_names(ct_labels_file *f, const char *path)
{
    const char *slash = strrchr(path, '/');
    f->base = slash ? slash + 1 : path;
    snprintf(f->stem, sizeof(f->stem), "%s", f->base);
    char *dot = strrchr(f->stem, '.');
    if (dot && dot != f->stem)
        *dot = '\0';
    f->ofac_asset[0] = '\0';
    static const char pre[] = "sanctioned_addresses_";
    if (strncmp(f->stem, pre, sizeof(pre) - 1) == 0) {
        char a[CT_LABEL_ASSET_MAX + 1];
        if (norm_asset(a, f->stem + sizeof(pre) - 1) && a[0])
            snprintf(f->ofac_asset, sizeof(f->ofac_asset), "%s", f->stem + sizeof(pre) - 1);
    }
}

static bool ext_is(const char *base, const char *ext)
{
    const char *dot = strrchr(base, '.');
    if (!dot)
        return false;
    dot++;
    size_t n = strlen(ext);
    if (strlen(dot) != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (lower_ascii(dot[i]) != ext[i])
            return false;
    return true;
}

static ct_labels_format sniff(const ct_labels_file *f, const ct_labels_import_options *o)
{
    if (ext_is(f->base, "json"))
        return CT_LABELS_JSON;
    if (ext_is(f->base, "yaml") || ext_is(f->base, "yml"))
        return CT_LABELS_TAGPACK;
    if (ext_is(f->base, "csv"))
        return CT_LABELS_CSV;
    if (f->ofac_asset[0])
        return CT_LABELS_OFAC;
    size_t i = 0;
    const char *t = f->text;
    if (f->len >= 3 && memcmp(t, "\xef\xbb\xbf", 3) == 0)
        i = 3;
    while (i < f->len && (t[i] == ' ' || t[i] == '\t' || t[i] == '\r' || t[i] == '\n'))
        i++;
    if (i < f->len && (t[i] == '{' || t[i] == '['))
        return CT_LABELS_JSON;
    size_t e = i;
    while (e < f->len && t[e] != '\n')
        e++;
    if (memchr(t + i, ',', e - i))
        return CT_LABELS_CSV;
    size_t k = i;
    while (k < e && ((t[k] >= 'a' && t[k] <= 'z') || t[k] == '_'))
        k++;
    if (k > i && k < e && t[k] == ':')
        return CT_LABELS_TAGPACK;
    if (o->asset)
        return CT_LABELS_OFAC;
    return CT_LABELS_AUTO;
}

/* The import's side of the reader interface (label_rows.h). */
static int op_row(void *ctx, const ct_label_row *row)
{
    return imp_row(ctx, row);
}
static int op_reject(void *ctx, uint64_t line, uint64_t offset, const char *reason,
                     const char *detail)
{
    return imp_reject(ctx, line, offset, reason, detail);
}
static void op_set_source(void *ctx, const char *source)
{
    imp_set_source(ctx, source);
}
static void op_set_confidence(void *ctx, uint8_t confidence)
{
    imp_set_confidence(ctx, confidence);
}
static void op_set_asset(void *ctx, const char *asset)
{
    imp_set_asset(ctx, asset);
}
static const char *op_forced_asset(const void *ctx)
{
    return imp_forced_asset(ctx);
}
static const ct_labels_sink_ops import_ops = {
    CT_LABELS_SINK_OPS_VERSION, op_row,       op_reject,       op_set_source,
    op_set_confidence,          op_set_asset, op_forced_asset,
};

int ct_labels_import(ct_db *db, ct_labels_import_stats *stats, const char *path,
                     const ct_labels_import_options *opts, ct_error *err)
{
    ct_labels_import_options defaults = CT_LABELS_IMPORT_OPTIONS_INIT;
    ct_labels_file f;
    label_import s;
    ct_labels_sink sink = {&import_ops, &s};
    int rc;
    memset(stats, 0, sizeof(*stats));
    if (!opts)
        opts = &defaults;
    if (opts->version != CT_LABELS_IMPORT_OPTIONS_VERSION)
        return ct_fail(err, CT_EINVAL, "bad-options", "labels import options version %u",
                       opts->version);
    if (opts->category >= CT_LABEL_CATEGORIES)
        return ct_fail(err, CT_EINVAL, "bad-options", "category %d", opts->category);
    char forced[CT_LABEL_ASSET_MAX + 1];
    if (opts->asset && (!norm_asset(forced, opts->asset) || !forced[0]))
        return ct_fail(err, CT_EINVAL, "bad-asset", "asset '%s' is not 1-16 letters or digits",
                       opts->asset);
    if (opts->source && (!opts->source[0] || strlen(opts->source) > CT_LABEL_SOURCE_MAX ||
                         !ct_labels_utf8_ok(opts->source, strlen(opts->source))))
        return ct_fail(err, CT_EINVAL, "bad-source", "a source is 1 to 200 bytes of UTF-8");

    memset(&f, 0, sizeof(f));
    f.path = path;
    file_names(&f, path);
    /* Read in pieces (label_rows.h): CSV and OFAC lists are parsed as they come, in bounded
     * memory; JSON and TagPack files are read whole (at most 1 GiB). */
    ct_labels_stream *stream = NULL;
    if ((rc = ct_labels_stream_open(&stream, path, err)))
        return rc;
    uint64_t base;
    bool eof;
    f.text = ct_labels_stream_window(stream, &f.len, &base, &eof);
    ct_labels_format fmt = opts->format != CT_LABELS_AUTO ? opts->format : sniff(&f, opts);
    if (fmt == CT_LABELS_AUTO) {
        ct_labels_stream_free(stream);
        return ct_fail(err, CT_EINVAL, "unknown-format",
                       "cannot tell the format of '%s'; use --format csv|json|tagpack|ofac", path);
    }
    stats->format = fmt;
    if (fmt == CT_LABELS_JSON || fmt == CT_LABELS_TAGPACK) {
        while (rc == CT_OK && !eof) {
            rc = ct_labels_stream_more(stream, 0, FILE_MAX, err);
            f.text = ct_labels_stream_window(stream, &f.len, &base, &eof);
        }
        if (rc == CT_ENOMEM && err && strcmp(err->reason, "record-too-long") == 0)
            rc = ct_fail(err, CT_ENOMEM, "file-too-large",
                         "'%s' is larger than 1 GiB (JSON and TagPack files are read whole)", path);
        if (rc) {
            ct_labels_stream_free(stream);
            return rc;
        }
    } else {
        f.stream = stream;
    }

    memset(&s, 0, sizeof(s));
    s.db = db;
    s.opts = opts;
    s.stats = stats;
    s.file = &f;
    s.err = err;
    s.confidence = 50;
    char name_source[CT_LABEL_SOURCE_MAX + 1];
    bool name_changed = source_from_name(name_source, f.base);
    imp_set_source(&s, name_source);
    ct_hmap_init(&s.pend);
    ct_hmap_init(&s.touched);
    ct_buf_init(&s.key, 1u << 16);
    ct_buf_init(&s.val, 1u << 16);
    ct_buf_init(&s.tmp, 1u << 20);
    ct_buf_init(&s.skey, 1u << 12);
    s.batch = ct_store_batch_new();
    s.it = ct_store_iter_new(db->st, NULL);
    if (!s.batch || !s.it) {
        rc = ct_fail(err, CT_ENOMEM, "out-of-memory", "label import");
        goto out;
    }
    if ((rc = meta_load(db, NULL, &s.meta, err)))
        goto out;
    switch (fmt) {
    case CT_LABELS_CSV:
        rc = ct_labels_read_csv(&sink, &f, err);
        break;
    case CT_LABELS_JSON:
        rc = ct_labels_read_json(&sink, &f, err);
        break;
    case CT_LABELS_TAGPACK:
        rc = ct_labels_read_tagpack(&sink, &f, err);
        break;
    default:
        rc = ct_labels_read_ofac(&sink, &f, err);
        break;
    }
    if (rc != CT_OK && err && err->code == CT_OK) /* a reader left no reason */
        rc = ct_fail(err, rc, rc == CT_ENOMEM ? "out-of-memory" : "label-import",
                     "importing the labels");
    if (rc == CT_ECORRUPT)
        ct_error_set_file(err, path);
    if (rc == CT_OK)
        rc = sink_flush(&s);
    snprintf(stats->source, sizeof(stats->source), "%s", opts->source ? opts->source : s.source);
    /* rows took the source derived from the file name: say so */
    stats->source_from_name = !opts->source && name_changed && strcmp(s.source, name_source) == 0;
    if (rc == CT_OK && opts->replace) {
        if (s.seen.used == 0) {
            stats->replace_held = true; /* an empty or unreadable list wipes nothing */
        } else if ((rc = touch(&s, stats->source)) != CT_OK) {
            rc = ct_fail(err, rc, "out-of-memory", "label import");
        } else {
            for (size_t i = 0; rc == CT_OK && i < s.n_touched; i++)
                rc = sweep_source(db, &s.meta, s.touched_name[i], &s.seen, &stats->removed, err);
        }
    }
out:
    ct_store_iter_free(s.it);
    ct_store_batch_free(s.batch);
    ct_hmap_release(&s.pend);
    ct_hmap_release(&s.touched);
    free(s.seen.slots);
    for (size_t i = 0; i < s.n_touched; i++)
        free(s.touched_name[i]);
    free(s.touched_name);
    ct_buf_release(&s.key);
    ct_buf_release(&s.val);
    ct_buf_release(&s.tmp);
    ct_buf_release(&s.skey);
    free(s.srcs);
    ct_labels_stream_free(stream);
    return rc;
}

/* ---- lists and lookups ---- */
void ct_label_list_init(ct_label_list *l)
{
    memset(l, 0, sizeof(*l));
}

void ct_label_list_release(ct_label_list *l)
{
    free(l->items);
    free(l->text);
    memset(l, 0, sizeof(*l));
}

static int list_text(ct_label_list *l, const void *p, size_t n, size_t *off)
{
    size_t need;
    if (!ct_add_ok(l->text_len, n + 1, &need))
        return CT_ENOMEM;
    if (need > l->text_cap) {
        size_t cap = l->text_cap ? l->text_cap : 256;
        while (cap < need)
            cap *= 2;
        char *nt = realloc(l->text, cap);
        if (!nt)
            return CT_ENOMEM;
        l->text = nt;
        l->text_cap = cap;
    }
    *off = l->text_len;
    memcpy(l->text + l->text_len, p, n);
    l->text[l->text_len + n] = '\0';
    l->text_len = need;
    return CT_OK;
}

/* While a list fills, the string fields hold offsets into l->text (the text may move);
 * list_finish turns them into pointers. */
static int list_add(ct_label_list *l, const uint8_t *k, size_t kl, size_t plen,
                    const label_value *lv, ct_error *err)
{
    /* key: prefix (B + address + 0), source, 0, label, 0, asset */
    const uint8_t *src = k + plen, *end = k + kl;
    const uint8_t *z1 = memchr(src, 0, (size_t)(end - src));
    const uint8_t *z2 = z1 ? memchr(z1 + 1, 0, (size_t)(end - z1 - 1)) : NULL;
    if (!z2 || (size_t)(end - z2 - 1) > CT_LABEL_ASSET_MAX)
        return ct_fail(err, CT_EDBCORRUPT, "bad-row", "label row key of %zu bytes", kl);
    if (l->count == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        ct_label *ni = realloc(l->items, cap * sizeof(*ni));
        if (!ni)
            return ct_fail(err, CT_ENOMEM, "out-of-memory", "label list");
        l->items = ni;
        l->cap = cap;
    }
    size_t o_src, o_lab, o_asset, o_ref;
    if (list_text(l, src, (size_t)(z1 - src), &o_src) ||
        list_text(l, z1 + 1, (size_t)(z2 - z1 - 1), &o_lab) ||
        list_text(l, z2 + 1, (size_t)(end - z2 - 1), &o_asset) ||
        list_text(l, lv->ref, lv->ref_len, &o_ref))
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "label list");
    ct_label *it = &l->items[l->count++];
    it->source = (const char *)(uintptr_t)o_src;
    it->label = (const char *)(uintptr_t)o_lab;
    it->asset = (const char *)(uintptr_t)o_asset;
    it->reference = (const char *)(uintptr_t)o_ref;
    it->category = (ct_label_category)lv->category;
    it->confidence = lv->confidence;
    return CT_OK;
}

static void list_finish(ct_label_list *l)
{
    for (size_t i = 0; i < l->count; i++) {
        ct_label *it = &l->items[i];
        it->source = l->text + (uintptr_t)it->source;
        it->label = l->text + (uintptr_t)it->label;
        it->asset = l->text + (uintptr_t)it->asset;
        it->reference = l->text + (uintptr_t)it->reference;
    }
}

struct ct_labels_reader {
    ct_db *db;
    ct_store_snapshot *own;
    ct_store_iter *it;
};

int ct_labels_reader_new_at(ct_labels_reader **out, ct_db *db, const ct_store_snapshot *snap,
                            ct_error *err)
{
    ct_labels_reader *r = calloc(1, sizeof(*r));
    *out = NULL;
    if (!r)
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "label reader");
    r->db = db;
    if (!snap) {
        r->own = ct_store_snapshot_new(db->st);
        snap = r->own;
    }
    r->it = snap ? ct_store_iter_new(db->st, snap) : NULL;
    if (!r->it) {
        ct_labels_reader_free(r);
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "label reader");
    }
    *out = r;
    return CT_OK;
}

int ct_labels_reader_new(ct_labels_reader **out, ct_db *db, ct_error *err)
{
    return ct_labels_reader_new_at(out, db, NULL, err);
}

void ct_labels_reader_free(ct_labels_reader *r)
{
    if (!r)
        return;
    ct_store_iter_free(r->it);
    if (r->own)
        ct_store_snapshot_free(r->db->st, r->own);
    free(r);
}

int ct_labels_reader_get(ct_labels_reader *r, ct_label_list *out, const char *address,
                         ct_error *err)
{
    uint8_t prefix[CT_LABEL_ADDRESS_MAX + 2];
    int rc = CT_OK;
    norm_query(out->address, address);
    size_t alen = strlen(out->address);
    prefix[0] = T_LABEL;
    memcpy(prefix + 1, out->address, alen + 1);
    size_t plen = alen + 2;
    out->count = 0;
    out->text_len = 0;
    for (ct_store_iter_seek(r->it, prefix, plen); ct_store_iter_valid(r->it);
         ct_store_iter_next(r->it)) {
        size_t kl, vl;
        const uint8_t *k = ct_store_iter_key(r->it, &kl);
        if (kl < plen || memcmp(k, prefix, plen) != 0)
            break;
        const uint8_t *v = ct_store_iter_value(r->it, &vl);
        label_value lv = {0};
        if ((rc = value_decode(&lv, v, vl, err)) || (rc = list_add(out, k, kl, plen, &lv, err)))
            break;
    }
    if (rc == CT_OK)
        rc = ct_store_iter_status(r->it, err);
    list_finish(out);
    if (rc)
        out->count = 0;
    return rc;
}

int ct_labels_reader_addresses(ct_labels_reader *r,
                               int (*fn)(void *arg, const char *address, bool normal), void *arg,
                               ct_error *err)
{
    uint8_t k0 = T_LABEL;
    char last[CT_LABEL_ADDRESS_MAX + 1] = "", norm[CT_LABEL_ADDRESS_MAX + 1];
    bool have = false;
    ct_store_iter_seek(r->it, &k0, 1);
    for (; ct_store_iter_valid(r->it); ct_store_iter_next(r->it)) {
        size_t kl;
        const uint8_t *k = ct_store_iter_key(r->it, &kl);
        if (kl < 1 || k[0] != T_LABEL)
            break;
        const uint8_t *end = memchr(k + 1, 0, kl - 1);
        size_t alen = end ? (size_t)(end - (k + 1)) : 0;
        if (!end || alen == 0 || alen > CT_LABEL_ADDRESS_MAX)
            return ct_fail(err, CT_EDBCORRUPT, "bad-row", "label row with a key of %zu bytes", kl);
        if (have && strlen(last) == alen && memcmp(last, k + 1, alen) == 0)
            continue;
        memcpy(last, k + 1, alen);
        last[alen] = '\0';
        have = true;
        norm_query(norm, last);
        int rc = fn(arg, last, strcmp(norm, last) == 0);
        if (rc)
            return rc;
    }
    return ct_store_iter_status(r->it, err);
}

int ct_labels_get(ct_db *db, ct_label_list *out, const char *address, ct_error *err)
{
    ct_labels_reader *r;
    int rc = ct_labels_reader_new(&r, db, err);
    if (rc)
        return rc;
    rc = ct_labels_reader_get(r, out, address, err);
    ct_labels_reader_free(r);
    return rc;
}

ct_label_category ct_labels_attribution(const ct_label_list *l, unsigned min_confidence,
                                        size_t *index)
{
    size_t best = SIZE_MAX;
    for (size_t i = 0; i < l->count; i++) {
        const ct_label *it = &l->items[i];
        if (it->confidence < min_confidence)
            continue;
        if (best == SIZE_MAX) {
            best = i;
            continue;
        }
        unsigned ri = ct_label_category_rank(it->category);
        unsigned rb = ct_label_category_rank(l->items[best].category);
        if (ri > rb || (ri == rb && it->confidence > l->items[best].confidence))
            best = i;
    }
    if (index)
        *index = best;
    return best == SIZE_MAX ? CT_LABEL_OTHER : l->items[best].category;
}

/* ---- stats and digest ---- */
void ct_labels_counts_release(ct_labels_counts *c)
{
    for (size_t i = 0; i < c->n_sources; i++)
        free(c->per_source[i].name);
    free(c->per_source);
    memset(c, 0, sizeof(*c));
}

int ct_labels_stats(ct_db *db, ct_labels_counts *out, ct_error *err)
{
    label_meta m;
    int rc;
    memset(out, 0, sizeof(*out));
    ct_store_snapshot *snap = ct_store_snapshot_new(db->st);
    ct_store_iter *it = snap ? ct_store_iter_new(db->st, snap) : NULL;
    if (!it) {
        rc = ct_fail(err, CT_ENOMEM, "out-of-memory", "label stats");
        goto out;
    }
    if ((rc = meta_load(db, snap, &m, err)))
        goto out;
    out->labels = m.labels;
    out->addresses = m.addresses;
    out->sources = m.sources;
    memcpy(out->by_category, m.by_cat, sizeof(m.by_cat));
    const uint8_t first = T_LABEL_SOURCE;
    size_t cap = 0;
    for (ct_store_iter_seek(it, &first, 1); ct_store_iter_valid(it); ct_store_iter_next(it)) {
        size_t kl, vl;
        const uint8_t *k = ct_store_iter_key(it, &kl);
        if (kl == 0 || k[0] != T_LABEL_SOURCE)
            break;
        const uint8_t *v = ct_store_iter_value(it, &vl);
        if (vl != 8) {
            rc = ct_fail(err, CT_EDBCORRUPT, "bad-row", "label source row of %zu bytes", vl);
            break;
        }
        if (out->n_sources == cap) {
            cap = cap ? cap * 2 : 16;
            ct_labels_source_count *np = realloc(out->per_source, cap * sizeof(*np));
            if (!np) {
                rc = ct_fail(err, CT_ENOMEM, "out-of-memory", "label stats");
                break;
            }
            out->per_source = np;
        }
        char *name = malloc(kl);
        if (!name) {
            rc = ct_fail(err, CT_ENOMEM, "out-of-memory", "label stats");
            break;
        }
        memcpy(name, k + 1, kl - 1);
        name[kl - 1] = '\0';
        out->per_source[out->n_sources].name = name;
        out->per_source[out->n_sources++].labels = ct_be64(v);
    }
    if (rc == CT_OK)
        rc = ct_store_iter_status(it, err);
out:
    ct_store_iter_free(it);
    if (snap)
        ct_store_snapshot_free(db->st, snap);
    if (rc)
        ct_labels_counts_release(out);
    return rc;
}

int ct_labels_digest(ct_db *db, uint8_t out[32], ct_error *err)
{
    ct_sha256_ctx c;
    int rc;
    ct_sha256_init(&c);
    ct_store_snapshot *snap = ct_store_snapshot_new(db->st);
    ct_store_iter *it = snap ? ct_store_iter_new(db->st, snap) : NULL;
    if (!it) {
        if (snap)
            ct_store_snapshot_free(db->st, snap);
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "label digest");
    }
    const uint8_t first = T_LABEL;
    for (ct_store_iter_seek(it, &first, 1); ct_store_iter_valid(it); ct_store_iter_next(it)) {
        size_t kl, vl;
        const uint8_t *k = ct_store_iter_key(it, &kl);
        if (kl == 0 || k[0] != T_LABEL)
            break;
        const uint8_t *v = ct_store_iter_value(it, &vl);
        ct_sha256_row_as(&c, CT_T_LABEL_V2, k, kl, v, vl); /* as documented (storage.md) */
    }
    rc = ct_store_iter_status(it, err);
    ct_store_iter_free(it);
    ct_store_snapshot_free(db->st, snap);
    ct_sha256_final(&c, out);
    return rc;
}
