/* Cases: the investigations stored in the database for the tracer and the reports (table K,
 * docs/storage.md and docs/cases.md). Each case is one row keyed by its name:
 *
 *   K + name -> version u8 (1), date BE32, created BE64, updated BE64,
 *               victim length BE16 + victim, source count BE32,
 *               then each source as a length byte + its text
 *
 * Sources are kept as written; reading a case parses them again, so the tracer gets the
 * txid bytes and output numbers without knowing the text forms. */
#include <stdlib.h>
#include <string.h>

#include "chaintrail/cases.h"
#include "chaintrail/ethereum.h"
#include "chaintrail/prices.h"
#include "db/db_internal.h"

#define CASE_ROW_VERSION 1u
#define CASE_KEY_MAX     (1 + CT_CASE_NAME_MAX)

bool ct_case_name_valid(const char *name)
{
    size_t n = 0;
    for (; name[n]; n++) {
        char c = name[n];
        if (n >= CT_CASE_NAME_MAX)
            return false;
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return false;
    }
    return n > 0;
}

static int bad_name(ct_error *err, const char *name)
{
    return ct_fail(err, CT_EINVAL, "bad-name",
                   "'%.80s' is not a case name (1 to %d of A-Z a-z 0-9 . _ -)", name,
                   CT_CASE_NAME_MAX);
}

static size_t case_key(uint8_t *k, const char *name)
{
    size_t n = strlen(name);
    k[0] = CT_T_CASE;
    memcpy(k + 1, name, n);
    return n + 1;
}

/* ---- sources ---- */
static bool parse_vout(uint32_t *out, const char *s)
{
    uint64_t v = 0;
    if (!*s || (s[0] == '0' && s[1]))
        return false;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return false;
        v = v * 10 + (uint64_t)(*s - '0');
        if (v > UINT32_MAX)
            return false;
    }
    *out = (uint32_t)v;
    return true;
}

static bool is_txid(const char *s, size_t n)
{
    if (n != 64)
        return false;
    for (size_t i = 0; i < n; i++)
        if (ct_hex_digit((unsigned char)s[i]) < 0)
            return false;
    return true;
}

/* script:<lowercase hex, two digits a byte> or script-<64 lowercase hex digits>. */
static bool is_script_identity(const char *s, size_t n)
{
    bool key = strncmp(s, "script-", 7) == 0;
    if (!key && strncmp(s, "script:", 7) != 0)
        return false;
    if (key ? n != 7 + 64 : (n < 9 || (n - 7) % 2 != 0))
        return false;
    for (size_t i = 7; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

int ct_case_source_parse(ct_case_source *out, const char *text, ct_error *err)
{
    int rc = ct_source_parse(out, text, NULL, err);
    if (rc == CT_OK && !out->text[0])
        return ct_fail(err, CT_EINVAL, "bad-source", "'%.80s...' is too long for a case source",
                       text);
    return rc;
}

int ct_source_parse(ct_case_source *out, const char *text, const ct_btc_params *net, ct_error *err)
{
    size_t n = strlen(text);
    memset(out, 0, sizeof(*out));
    if (n == 0)
        return ct_fail(err, CT_EINVAL, "bad-source", "an empty source");
    if (strncmp(text, "script", 6) == 0 && (text[6] == ':' || text[6] == '-')) {
        if (!is_script_identity(text, n))
            return ct_fail(err, CT_EINVAL, "bad-source",
                           "'%.80s' is not a script identity (script: and the script in "
                           "lowercase hex, two digits a byte; or script- and 64 lowercase hex "
                           "digits)",
                           text);
        out->kind = CT_CASE_SCRIPT;
        if (n < CT_CASE_SOURCE_MAX)
            memcpy(out->text, text, n + 1);
        return CT_OK;
    }
    if (n >= CT_CASE_SOURCE_MAX)
        return ct_fail(err, CT_EINVAL, "bad-source",
                       "'%.80s...' is not an address, TXID or TXID:VOUT (too long)", text);
    memcpy(out->text, text, n + 1);
    if (text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) { /* Ethereum */
        uint8_t a[20];
        ct_error ae;
        ct_error_clear(&ae);
        if (n == 66 && is_txid(text + 2, 64)) {
            out->kind = CT_CASE_ETH_TX;
            return CT_OK;
        }
        if (ct_eth_address_parse(a, text, n, &ae) == CT_OK) {
            out->kind = CT_CASE_ETH_ADDRESS;
            return CT_OK;
        }
        return ct_fail(err, CT_EINVAL, "bad-source",
                       "'%s' is not an Ethereum address (0x + 40 hex digits%s%s) or transaction "
                       "hash (0x + 64 hex digits)",
                       text, ae.reason[0] ? ": " : "", ae.reason);
    }
    const char *colon = strchr(text, ':');
    size_t hexlen = colon ? (size_t)(colon - text) : n;
    if (is_txid(text, hexlen)) {
        char hex[65];
        memcpy(hex, text, 64);
        hex[64] = '\0';
        if (ct_hash_from_hex(out->txid, hex))
            return ct_fail(err, CT_EINVAL, "bad-source", "'%s' is not a txid", text);
        if (!colon) {
            out->kind = CT_CASE_TX;
            return CT_OK;
        }
        if (!parse_vout(&out->vout, colon + 1))
            return ct_fail(err, CT_EINVAL, "bad-source",
                           "'%s': the output number after ':' must be a whole number from 0 to "
                           "4294967295 without leading zeros",
                           text);
        out->kind = CT_CASE_OUTPUT;
        return CT_OK;
    }
    if (colon)
        return ct_fail(err, CT_EINVAL, "bad-source",
                       "'%s' is not TXID:VOUT (the txid must be 64 hex digits)", text);
    ct_btc_addr addr;
    ct_error ae;
    ct_error_clear(&ae);
    if (net && ct_btc_addr_decode(&addr, text, NULL, NULL) == CT_OK &&
        ct_btc_addr_decode(&addr, text, net, &ae) != CT_OK)
        return ct_fail(err, CT_EINVAL, "wrong-network", "%.200s (wrong-network)", ae.detail);
    if (ct_btc_addr_decode(&addr, text, net, &ae) != CT_OK)
        return ct_fail(err, CT_EINVAL, "bad-source",
                       "'%s' is not an address (%s), a TXID or TXID:VOUT", text, ae.reason);
    out->kind = CT_CASE_ADDRESS;
    out->net = addr.net;
    return CT_OK;
}

/* ---- victim text ---- */
/* Valid UTF-8 without control characters (C0, DEL, C1). */
static bool victim_ok(const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    while (*s) {
        unsigned char c = *s;
        size_t len;
        uint32_t cp;
        if (c < 0x80) {
            if (c < 0x20 || c == 0x7f)
                return false;
            s++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf) {
            len = 2;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            len = 3;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            len = 4;
            cp = c & 0x07;
        } else {
            return false;
        }
        for (size_t i = 1; i < len; i++) {
            if ((s[i] & 0xc0) != 0x80)
                return false;
            cp = cp << 6 | (s[i] & 0x3f);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp <= 0x9f))
            return false;
        s += len;
    }
    return true;
}

/* ---- rows ---- */
static int check_case(const ct_case *c, ct_error *err)
{
    if (!ct_case_name_valid(c->name))
        return bad_name(err, c->name);
    if (c->date > CT_DAY_MAX)
        return ct_fail(err, CT_EINVAL, "bad-date", "day %u is after 9999-12-31", c->date);
    if (strlen(c->victim) > CT_CASE_VICTIM_MAX || !victim_ok(c->victim))
        return ct_fail(err, CT_EINVAL, "bad-victim",
                       "the victim must be at most %d bytes of UTF-8 text without control "
                       "characters",
                       CT_CASE_VICTIM_MAX);
    if (c->n_sources == 0)
        return ct_fail(err, CT_EINVAL, "no-sources", "a case needs at least one source");
    if (c->n_sources > CT_CASE_SOURCES_MAX)
        return ct_fail(err, CT_EINVAL, "too-many-sources", "%zu sources (at most %d)", c->n_sources,
                       CT_CASE_SOURCES_MAX);
    for (size_t i = 0; i < c->n_sources; i++) {
        ct_case_source s;
        int rc = ct_case_source_parse(&s, c->sources[i].text, err);
        if (rc)
            return rc;
        for (size_t j = 0; j < i; j++)
            if (strcmp(c->sources[j].text, c->sources[i].text) == 0)
                return ct_fail(err, CT_EINVAL, "duplicate-source", "source '%s' is given twice",
                               c->sources[i].text);
    }
    return CT_OK;
}

static int encode(ct_buf *v, const ct_case *c, uint64_t created, uint64_t updated)
{
    uint8_t h[1 + 4 + 8 + 8 + 2];
    size_t vl = strlen(c->victim);
    h[0] = CASE_ROW_VERSION;
    ct_put_be32(h + 1, c->date);
    ct_put_be64(h + 5, created);
    ct_put_be64(h + 13, updated);
    h[21] = (uint8_t)(vl >> 8);
    h[22] = (uint8_t)vl;
    uint8_t n[4];
    ct_put_be32(n, (uint32_t)c->n_sources);
    int rc =
        ct_buf_append(v, h, sizeof(h)) || ct_buf_append(v, c->victim, vl) || ct_buf_append(v, n, 4);
    for (size_t i = 0; !rc && i < c->n_sources; i++) {
        uint8_t len = (uint8_t)strlen(c->sources[i].text);
        rc = ct_buf_append(v, &len, 1) || ct_buf_append(v, c->sources[i].text, len);
    }
    return rc ? CT_ENOMEM : CT_OK;
}

static int bad_row(ct_error *err, const char *name, const char *what)
{
    return ct_fail(err, CT_EDBCORRUPT, "bad-row", "the row of case '%s' is malformed: %s", name,
                   what);
}

/* Decodes the row of case `name` (key bytes after the prefix). */
static int decode(ct_case *c, const uint8_t *k, size_t kl, const uint8_t *v, size_t n,
                  ct_error *err)
{
    memset(c, 0, sizeof(*c));
    if (kl < 2 || kl - 1 > CT_CASE_NAME_MAX)
        return ct_fail(err, CT_EDBCORRUPT, "bad-row", "a case key of %zu bytes", kl);
    memcpy(c->name, k + 1, kl - 1);
    if (!ct_case_name_valid(c->name))
        return bad_row(err, c->name, "bad name");
    if (n < 27 || v[0] != CASE_ROW_VERSION)
        return bad_row(err, c->name, "bad header");
    c->date = ct_be32(v + 1);
    c->created = ct_be64(v + 5);
    c->updated = ct_be64(v + 13);
    size_t vl = (size_t)v[21] << 8 | v[22];
    size_t o = 23;
    if (c->date > CT_DAY_MAX)
        return bad_row(err, c->name, "bad date");
    if (vl > CT_CASE_VICTIM_MAX || o + vl + 4 > n || memchr(v + o, 0, vl))
        return bad_row(err, c->name, "bad victim");
    memcpy(c->victim, v + o, vl);
    c->victim[vl] = '\0';
    if (!victim_ok(c->victim))
        return bad_row(err, c->name, "bad victim");
    o += vl;
    uint32_t ns = ct_be32(v + o);
    o += 4;
    if (ns == 0 || ns > CT_CASE_SOURCES_MAX || ns > n - o)
        return bad_row(err, c->name, "bad source count");
    c->sources = calloc(ns, sizeof(*c->sources));
    if (!c->sources)
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "reading case '%s'", c->name);
    c->n_sources = ns;
    for (uint32_t i = 0; i < ns; i++) {
        char text[CT_CASE_SOURCE_MAX];
        size_t len = o < n ? v[o] : 0;
        if (o >= n || len == 0 || len >= CT_CASE_SOURCE_MAX || o + 1 + len > n)
            goto bad;
        memcpy(text, v + o + 1, len);
        text[len] = '\0';
        o += 1 + len;
        if (ct_case_source_parse(&c->sources[i], text, NULL) != CT_OK)
            goto bad;
    }
    if (o != n)
        goto bad;
    return CT_OK;
bad:
    ct_case_release(c);
    return bad_row(err, c->name, "bad source");
}

void ct_case_release(ct_case *c)
{
    if (!c)
        return;
    free(c->sources);
    c->sources = NULL;
    c->n_sources = 0;
}

int ct_case_put(ct_db *db, const ct_case *c, bool replace, uint64_t now, ct_error *err)
{
    uint8_t k[CASE_KEY_MAX];
    int rc = check_case(c, err);
    if (rc)
        return rc;
    size_t kl = case_key(k, c->name);
    ct_buf v;
    ct_buf_init(&v, 4u << 20);
    uint64_t created = now;
    rc = ct_store_get(db->st, NULL, k, kl, &v, err);
    if (rc == CT_OK) {
        ct_case old;
        if (!replace) {
            ct_buf_release(&v);
            return ct_fail(err, CT_EINVAL, "case-exists", "case '%s' exists", c->name);
        }
        if ((rc = decode(&old, k, kl, v.data, v.len, err))) {
            ct_buf_release(&v);
            return rc;
        }
        created = old.created;
        ct_case_release(&old);
    } else if (rc != CT_ENOTFOUND) {
        ct_buf_release(&v);
        return rc;
    }
    ct_buf_reset(&v);
    if (encode(&v, c, created, now)) {
        ct_buf_release(&v);
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "writing case '%s'", c->name);
    }
    ct_store_batch *b = ct_store_batch_new();
    if (!b) {
        ct_buf_release(&v);
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "allocating a batch");
    }
    ct_store_batch_put(b, k, kl, v.data, v.len);
    rc = ct_store_write(db->st, b, true, err);
    ct_store_batch_free(b);
    ct_buf_release(&v);
    return rc;
}

int ct_case_get(ct_db *db, ct_case *out, const char *name, ct_error *err)
{
    uint8_t k[CASE_KEY_MAX];
    memset(out, 0, sizeof(*out));
    if (!ct_case_name_valid(name))
        return bad_name(err, name);
    size_t kl = case_key(k, name);
    ct_buf v;
    ct_buf_init(&v, 4u << 20);
    int rc = ct_store_get(db->st, NULL, k, kl, &v, err);
    if (rc == CT_OK)
        rc = decode(out, k, kl, v.data, v.len, err);
    else if (rc == CT_ENOTFOUND)
        ct_fail(err, CT_ENOTFOUND, "no-case", "no case '%s'", name);
    ct_buf_release(&v);
    return rc;
}

void ct_case_list_free(ct_case *cases, size_t n)
{
    for (size_t i = 0; cases && i < n; i++)
        ct_case_release(&cases[i]);
    free(cases);
}

int ct_case_list(ct_db *db, ct_case **out, size_t *n, ct_error *err)
{
    ct_case *list = NULL;
    size_t count = 0, cap = 0;
    int rc = CT_OK;
    *out = NULL;
    *n = 0;
    ct_store_iter *it = ct_store_iter_new(db->st, NULL);
    if (!it)
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "opening an iterator");
    const uint8_t first = CT_T_CASE;
    for (ct_store_iter_seek(it, &first, 1); ct_store_iter_valid(it); ct_store_iter_next(it)) {
        size_t kl, vl;
        const uint8_t *k = ct_store_iter_key(it, &kl);
        const uint8_t *v = ct_store_iter_value(it, &vl);
        if (kl == 0 || k[0] != CT_T_CASE)
            break;
        if (count == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            ct_case *nl = realloc(list, ncap * sizeof(*nl));
            if (!nl) {
                rc = ct_fail(err, CT_ENOMEM, "out-of-memory", "listing cases");
                break;
            }
            list = nl;
            cap = ncap;
        }
        if ((rc = decode(&list[count], k, kl, v, vl, err)))
            break;
        count++;
    }
    if (rc == CT_OK)
        rc = ct_store_iter_status(it, err);
    ct_store_iter_free(it);
    if (rc) {
        ct_case_list_free(list, count);
        return rc;
    }
    *out = list;
    *n = count;
    return CT_OK;
}

int ct_case_del(ct_db *db, const char *name, ct_error *err)
{
    uint8_t k[CASE_KEY_MAX];
    if (!ct_case_name_valid(name))
        return bad_name(err, name);
    size_t kl = case_key(k, name);
    ct_buf v;
    ct_buf_init(&v, 4u << 20);
    int rc = ct_store_get(db->st, NULL, k, kl, &v, err);
    ct_buf_release(&v);
    if (rc == CT_ENOTFOUND)
        return ct_fail(err, CT_ENOTFOUND, "no-case", "no case '%s'", name);
    if (rc)
        return rc;
    ct_store_batch *b = ct_store_batch_new();
    if (!b)
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "allocating a batch");
    ct_store_batch_del(b, k, kl);
    rc = ct_store_write(db->st, b, true, err);
    ct_store_batch_free(b);
    return rc;
}
