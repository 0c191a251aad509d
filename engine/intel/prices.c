/* Prices: UTC day numbers, exact money arithmetic (price text to cents, coin amounts to
 * cents), and the readers of the price table that the CLI and the tracer use. The importer
 * of price files is prices_import.c; the rows are described in prices_internal.h and
 * docs/storage.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/hash.h"
#include "intel/prices_internal.h"

/* ---- days ---- */
/* Days from 0001-01-01 to y-01-01 in the proleptic Gregorian calendar. */
static uint64_t days_before_year(uint32_t y)
{
    uint64_t p = (uint64_t)y - 1;
    return p * 365 + p / 4 - p / 100 + p / 400;
}

#define EPOCH_DAYS 719162u /* days_before_year(1970) */

static bool is_leap(uint32_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static const uint16_t month_start[12] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};

static uint32_t month_days(uint32_t y, uint32_t m)
{
    static const uint8_t len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return len[m - 1] + (m == 2 && is_leap(y));
}

uint32_t ct_day_from_unix(uint64_t t)
{
    return (uint32_t)(t / 86400u);
}

int ct_day_parse(uint32_t *day, const char *s)
{
    uint32_t v[3] = {0, 0, 0};
    static const int width[3] = {4, 2, 2};
    for (int f = 0; f < 3; f++) {
        for (int i = 0; i < width[f]; i++, s++) {
            if (*s < '0' || *s > '9')
                return CT_EINVAL;
            v[f] = v[f] * 10 + (uint32_t)(*s - '0');
        }
        if (f < 2 && *s++ != '-')
            return CT_EINVAL;
    }
    if (*s)
        return CT_EINVAL;
    uint32_t y = v[0], m = v[1], d = v[2];
    if (y < 1970 || m < 1 || m > 12 || d < 1 || d > month_days(y, m))
        return CT_EINVAL;
    *day = (uint32_t)(days_before_year(y) - EPOCH_DAYS) + month_start[m - 1] +
           (m > 2 && is_leap(y)) + d - 1;
    return CT_OK;
}

void ct_day_format(char out[11], uint32_t day)
{
    if (day > CT_DAY_MAX) {
        memcpy(out, "0000-00-00", 11);
        return;
    }
    uint64_t abs = (uint64_t)day + EPOCH_DAYS; /* days since 0001-01-01 */
    uint32_t y = 1970 + day / 366;             /* never past the answer */
    while (days_before_year(y + 1) <= abs)
        y++;
    uint32_t doy = (uint32_t)(abs - days_before_year(y));
    uint32_t m = 1;
    uint32_t leap = is_leap(y) ? 1u : 0u;
    while (m < 12 && doy >= month_start[m] + (m >= 2 ? leap : 0u))
        m++;
    uint32_t d = doy - month_start[m - 1] - (m > 2 ? leap : 0u) + 1;
    snprintf(out, 11, "%04u-%02u-%02u", y, m, d);
}

/* ---- money ---- */
__extension__ typedef unsigned __int128 u128;

int ct_usd_cents(uint64_t *out_cents, ct_u128 amount, unsigned decimals, uint64_t price_cents,
                 ct_error *err)
{
    if (decimals > 36)
        return ct_fail(err, CT_EINVAL, "bad-decimals", "an asset with %u decimals", decimals);
    /* p = amount * price, four 64-bit limbs, least significant first. */
    uint64_t p[4];
    u128 lo = (u128)amount.lo * price_cents;
    u128 hi = (u128)amount.hi * price_cents + (uint64_t)(lo >> 64);
    p[0] = (uint64_t)lo;
    p[1] = (uint64_t)hi;
    p[2] = (uint64_t)(hi >> 64);
    p[3] = 0;
    if (decimals > 0) {
        /* Round half up: add half the divisor, 5 * 10^(decimals-1) < 2^117, then floor. */
        u128 half = 5;
        for (unsigned i = 1; i < decimals; i++)
            half *= 10;
        u128 s = (u128)p[0] + (uint64_t)half;
        p[0] = (uint64_t)s;
        s = (u128)p[1] + (uint64_t)(half >> 64) + (uint64_t)(s >> 64);
        p[1] = (uint64_t)s;
        s = (u128)p[2] + (uint64_t)(s >> 64);
        p[2] = (uint64_t)s;
        p[3] += (uint64_t)(s >> 64);
        /* Divide by 10^decimals in steps of at most 10^19 (which fits a limb). */
        for (unsigned left = decimals; left > 0;) {
            unsigned step = left > 19 ? 19 : left;
            uint64_t div = 1;
            for (unsigned i = 0; i < step; i++)
                div *= 10;
            uint64_t rem = 0;
            for (int i = 3; i >= 0; i--) {
                u128 cur = (u128)rem << 64 | p[i];
                p[i] = (uint64_t)(cur / div);
                rem = (uint64_t)(cur % div);
            }
            left -= step;
        }
    }
    if (p[1] || p[2] || p[3])
        return ct_fail(err, CT_EINVAL, "usd-overflow", "the value exceeds 2^64-1 cents");
    *out_cents = p[0];
    return CT_OK;
}

int ct_usd_cents_u256(uint64_t *out_cents, const ct_u256 *amount, unsigned decimals,
                      uint64_t price_cents, ct_error *err)
{
    if (decimals > 77)
        return ct_fail(err, CT_EINVAL, "bad-decimals", "an asset with %u decimals", decimals);
    ct_u256 div = ct_u256_from_u64(1), ten = ct_u256_from_u64(10);
    ct_u256 price = ct_u256_from_u64(price_cents);
    for (unsigned i = 0; i < decimals; i++)
        if (ct_u256_mul(&div, &div, &ten)) /* cannot happen: 10^77 < 2^256 */
            return ct_fail(err, CT_EINVAL, "bad-decimals", "an asset with %u decimals", decimals);
    ct_u256 q, rem, half;
    if (ct_u256_muldiv(&q, &rem, amount, &price, &div, NULL) != CT_OK)
        return ct_fail(err, CT_EINVAL, "usd-overflow", "the value exceeds 2^64-1 cents");
    /* Half up: rem >= div - rem, i.e. 2 * rem >= div, without overflowing 2 * rem. */
    if (!ct_u256_sub(&half, &div, &rem) && ct_u256_cmp(&rem, &half) >= 0) {
        ct_u256 one = ct_u256_from_u64(1);
        if (ct_u256_add(&q, &q, &one))
            return ct_fail(err, CT_EINVAL, "usd-overflow", "the value exceeds 2^64-1 cents");
    }
    uint64_t cents;
    if (!ct_u256_to_u64(&cents, &q))
        return ct_fail(err, CT_EINVAL, "usd-overflow", "the value exceeds 2^64-1 cents");
    *out_cents = cents;
    return CT_OK;
}

size_t ct_cents_format(char *buf, size_t size, uint64_t cents)
{
    int n = snprintf(buf, size, "%llu.%02u", (unsigned long long)(cents / 100),
                     (unsigned)(cents % 100));
    return n < 0 ? 0 : (size_t)n;
}

int ct_price_parse(uint64_t *cents, const char *s, ct_error *err)
{
    const char *text = s;
    if (!*s)
        return ct_fail(err, CT_EINVAL, "empty", "empty price");
    if (s[0] == '-' && s[1] >= '0' && s[1] <= '9')
        return ct_fail(err, CT_EINVAL, "negative", "negative price '%.40s'", text);
    uint64_t whole = 0;
    bool overflow = false;
    const char *start = s;
    for (; *s >= '0' && *s <= '9'; s++)
        overflow |= __builtin_mul_overflow(whole, 10, &whole) ||
                    __builtin_add_overflow(whole, (uint64_t)(*s - '0'), &whole);
    if (s == start)
        goto nan;
    unsigned frac[3] = {0, 0, 0};
    if (*s == '.') {
        s++;
        if (*s < '0' || *s > '9')
            goto nan;
        for (unsigned i = 0; *s >= '0' && *s <= '9'; s++, i++)
            if (i < 3)
                frac[i] = (unsigned)(*s - '0');
    }
    if (*s)
        goto nan;
    uint64_t c;
    if (overflow || __builtin_mul_overflow(whole, 100, &c) ||
        __builtin_add_overflow(c, (uint64_t)(frac[0] * 10 + frac[1] + (frac[2] >= 5)), &c))
        return ct_fail(err, CT_EINVAL, "overflow", "price '%.40s' is above %llu cents", text,
                       (unsigned long long)UINT64_MAX);
    *cents = c;
    return CT_OK;
nan:
    return ct_fail(err, CT_EINVAL, "not-a-number", "'%.40s' is not a decimal price", text);
}

/* ---- keys and rows ---- */
int ct_asset_normalize(char *out, const char *asset, ct_error *err)
{
    size_t n = 0;
    for (; asset[n]; n++) {
        char c = asset[n];
        if (n >= CT_ASSET_MAX)
            break;
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
            return ct_fail(err, CT_EINVAL, "bad-asset",
                           "'%.40s' is not an asset ticker (1 to %d letters A-Z or digits)", asset,
                           CT_ASSET_MAX);
        out[n] = c;
    }
    if (n == 0 || asset[n])
        return ct_fail(err, CT_EINVAL, "bad-asset",
                       "'%.40s' is not an asset ticker (1 to %d letters A-Z or digits)", asset,
                       CT_ASSET_MAX);
    out[n] = '\0';
    return CT_OK;
}

size_t ct_price_key(uint8_t *k, const char *asset, uint32_t day)
{
    size_t n = strlen(asset);
    k[0] = CT_T_PRICE;
    memcpy(k + 1, asset, n);
    k[1 + n] = 0x00;
    ct_put_be32(k + 2 + n, day);
    return n + 6;
}

size_t ct_price_sum_key(uint8_t *k, const char *asset)
{
    size_t n = strlen(asset);
    k[0] = CT_T_PRICE;
    memcpy(k + 1, asset, n);
    k[1 + n] = 0x01;
    return n + 2;
}

size_t ct_price_source_key(uint8_t *k, uint32_t id)
{
    k[0] = CT_T_PRICE;
    k[1] = 0x00;
    ct_put_be32(k + 2, id);
    return 6;
}

static int bad_row(ct_error *err, const char *what, size_t n)
{
    return ct_fail(err, CT_EDBCORRUPT, "bad-row", "price table: %s row of %zu bytes", what, n);
}

size_t ct_price_summary_encode(uint8_t *v, const ct_price_summary *s)
{
    ct_put_be64(v, s->days);
    ct_put_be32(v + 8, s->first);
    ct_put_be32(v + 12, s->last);
    return CT_PRICE_SUM_SIZE;
}

int ct_price_summary_decode(ct_price_summary *s, const uint8_t *v, size_t n, ct_error *err)
{
    if (n != CT_PRICE_SUM_SIZE)
        return bad_row(err, "summary", n);
    s->days = ct_be64(v);
    s->first = ct_be32(v + 8);
    s->last = ct_be32(v + 12);
    if (s->days == 0 || s->first > s->last)
        return bad_row(err, "summary", n);
    return CT_OK;
}

size_t ct_price_meta_encode(uint8_t *v, const ct_price_meta *m)
{
    ct_put_be32(v, m->sources);
    ct_put_be64(v + 4, m->days);
    return CT_PRICE_META_SIZE;
}

int ct_price_meta_decode(ct_price_meta *m, const uint8_t *v, size_t n, ct_error *err)
{
    if (n != CT_PRICE_META_SIZE)
        return bad_row(err, "meta", n);
    m->sources = ct_be32(v);
    m->days = ct_be64(v + 4);
    return CT_OK;
}

static size_t put_str(uint8_t *v, const char *s)
{
    size_t n = strlen(s);
    v[0] = (uint8_t)n;
    memcpy(v + 1, s, n);
    return n + 1;
}

size_t ct_price_source_encode(uint8_t *v, const ct_price_source *s)
{
    size_t o = 0;
    memcpy(v, s->sha256, 32);
    ct_put_be64(v + 32, s->rows);
    ct_put_be64(v + 40, s->added);
    ct_put_be64(v + 48, s->conflicts);
    o = 56;
    o += put_str(v + o, s->asset);
    o += put_str(v + o, s->column);
    o += put_str(v + o, s->name);
    return o;
}

static bool get_str(char *out, size_t cap, const uint8_t *v, size_t n, size_t *o)
{
    if (*o >= n)
        return false;
    size_t len = v[*o];
    if (len >= cap || *o + 1 + len > n)
        return false;
    memcpy(out, v + *o + 1, len);
    out[len] = '\0';
    *o += 1 + len;
    return true;
}

int ct_price_source_decode(ct_price_source *s, uint32_t id, const uint8_t *v, size_t n,
                           ct_error *err)
{
    size_t o = 56;
    memset(s, 0, sizeof(*s));
    if (n < 56)
        return bad_row(err, "source", n);
    s->id = id;
    memcpy(s->sha256, v, 32);
    s->rows = ct_be64(v + 32);
    s->added = ct_be64(v + 40);
    s->conflicts = ct_be64(v + 48);
    if (!get_str(s->asset, sizeof(s->asset), v, n, &o) ||
        !get_str(s->column, sizeof(s->column), v, n, &o) ||
        !get_str(s->name, sizeof(s->name), v, n, &o) || o != n)
        return bad_row(err, "source", n);
    return CT_OK;
}

int ct_price_meta_load(ct_db *db, ct_price_meta *m, ct_error *err)
{
    uint8_t k[16];
    ct_buf v;
    ct_buf_init(&v, 1024);
    memset(m, 0, sizeof(*m));
    int rc = ct_store_get(db->st, NULL, k, ct_key_user_meta(k, "prices"), &v, err);
    if (rc == CT_OK)
        rc = ct_price_meta_decode(m, v.data, v.len, err);
    ct_buf_release(&v);
    return rc == CT_ENOTFOUND ? CT_OK : rc;
}

/* ---- readers ---- */
int ct_price_get(ct_db *db, const ct_db_snapshot *snap, uint64_t *cents, uint32_t *source,
                 const char *asset, uint32_t day, ct_error *err)
{
    char a[CT_ASSET_MAX + 1];
    uint8_t k[CT_PRICE_KEY_MAX];
    int rc = ct_asset_normalize(a, asset, err);
    if (rc)
        return rc;
    ct_buf v;
    ct_buf_init(&v, 64);
    rc = ct_store_get(db->st, ct_db_snapshot_store(snap), k, ct_price_key(k, a, day), &v, err);
    if (rc == CT_OK && v.len != CT_PRICE_ROW_SIZE)
        rc = bad_row(err, "price", v.len);
    if (rc == CT_OK) {
        *cents = ct_be64(v.data);
        if (source)
            *source = ct_be32(v.data + 8);
    } else if (rc == CT_ENOTFOUND) {
        char date[11];
        ct_day_format(date, day);
        ct_fail(err, CT_ENOTFOUND, "no-price", "no price for %s on %s", a, date);
    }
    ct_buf_release(&v);
    return rc;
}

int ct_prices_range(ct_db *db, ct_price_range *out, const char *asset, ct_error *err)
{
    uint8_t k[CT_PRICE_KEY_MAX];
    ct_price_summary s;
    memset(out, 0, sizeof(*out));
    int rc = ct_asset_normalize(out->asset, asset, err);
    if (rc)
        return rc;
    ct_buf v;
    ct_buf_init(&v, 64);
    rc = ct_store_get(db->st, NULL, k, ct_price_sum_key(k, out->asset), &v, err);
    if (rc == CT_OK && (rc = ct_price_summary_decode(&s, v.data, v.len, err)) == CT_OK) {
        out->days = s.days;
        out->first_day = s.first;
        out->last_day = s.last;
    } else if (rc == CT_ENOTFOUND) {
        ct_fail(err, CT_ENOTFOUND, "no-price", "no prices for %s", out->asset);
    }
    ct_buf_release(&v);
    return rc;
}

int ct_prices_assets(ct_db *db, ct_price_range **out, size_t *n, ct_error *err)
{
    ct_price_range *list = NULL;
    size_t count = 0, cap = 0;
    int rc = CT_OK;
    *out = NULL;
    *n = 0;
    ct_store_iter *it = ct_store_iter_new(db->st, NULL);
    if (!it)
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "opening an iterator");
    const uint8_t first[2] = {CT_T_PRICE, 0x01}; /* past the source rows */
    ct_store_iter_seek(it, first, 2);
    while (ct_store_iter_valid(it)) {
        size_t kl, vl;
        const uint8_t *k = ct_store_iter_key(it, &kl);
        const uint8_t *v = ct_store_iter_value(it, &vl);
        if (kl == 0 || k[0] != CT_T_PRICE)
            break;
        size_t a = 1;
        while (a < kl && k[a] > 0x01)
            a++;
        if (a == 1 || a - 1 > CT_ASSET_MAX || a >= kl) {
            rc = bad_row(err, "key of a", kl);
            break;
        }
        if (k[a] == 0x00) { /* a price row: jump to this asset's summary */
            uint8_t sk[CT_PRICE_KEY_MAX];
            memcpy(sk, k, a);
            sk[a] = 0x01;
            ct_store_iter_seek(it, sk, a + 1);
            continue;
        }
        ct_price_summary s = {0};
        if (kl != a + 1 || (rc = ct_price_summary_decode(&s, v, vl, err)))
            break;
        if (count == cap) {
            size_t ncap = cap ? cap * 2 : 8;
            ct_price_range *nl = realloc(list, ncap * sizeof(*nl));
            if (!nl) {
                rc = ct_fail(err, CT_ENOMEM, "out-of-memory", "listing assets");
                break;
            }
            list = nl;
            cap = ncap;
        }
        ct_price_range *r = &list[count++];
        memset(r, 0, sizeof(*r));
        memcpy(r->asset, k + 1, a - 1);
        r->days = s.days;
        r->first_day = s.first;
        r->last_day = s.last;
        ct_store_iter_next(it);
    }
    if (rc == CT_OK)
        rc = ct_store_iter_status(it, err);
    ct_store_iter_free(it);
    if (rc) {
        free(list);
        return rc;
    }
    *out = list;
    *n = count;
    return CT_OK;
}

int ct_prices_source_get(ct_db *db, ct_price_source *out, uint32_t id, ct_error *err)
{
    uint8_t k[8];
    ct_buf v;
    ct_buf_init(&v, 1024);
    int rc = ct_store_get(db->st, NULL, k, ct_price_source_key(k, id), &v, err);
    if (rc == CT_OK)
        rc = ct_price_source_decode(out, id, v.data, v.len, err);
    else if (rc == CT_ENOTFOUND)
        ct_fail(err, CT_ENOTFOUND, "no-source", "no price source %u", id);
    ct_buf_release(&v);
    return rc;
}

int ct_prices_digest(ct_db *db, uint8_t out[32], ct_error *err)
{
    ct_sha256_ctx sha;
    ct_sha256_init(&sha);
    ct_store_iter *it = ct_store_iter_new(db->st, NULL);
    if (!it)
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "opening an iterator");
    const uint8_t first = CT_T_PRICE;
    for (ct_store_iter_seek(it, &first, 1); ct_store_iter_valid(it); ct_store_iter_next(it)) {
        size_t kl, vl;
        const uint8_t *k = ct_store_iter_key(it, &kl);
        const uint8_t *v = ct_store_iter_value(it, &vl);
        if (kl == 0 || k[0] != CT_T_PRICE)
            break;
        ct_sha256_row_as(&sha, CT_T_PRICE_V2, k, kl, v, vl); /* as documented (storage.md) */
    }
    int rc = ct_store_iter_status(it, err);
    ct_store_iter_free(it);
    if (rc == CT_OK)
        ct_sha256_final(&sha, out);
    return rc;
}

/* ---- the tracers' day cache ---- */
int ct_price_days_open(ct_price_days *c, ct_db *db)
{
    c->db = db;
    ct_hmap_init(&c->days);
    c->snap = ct_db_snapshot_new(db);
    return c->snap ? CT_OK : CT_ENOMEM;
}

void ct_price_days_close(ct_price_days *c)
{
    ct_hmap_release(&c->days);
    if (c->snap)
        ct_db_snapshot_free(c->db, c->snap);
    c->snap = NULL;
}

int ct_price_days_get(ct_price_days *c, const char *asset, uint32_t day, uint64_t *cents,
                      ct_error *err)
{
    uint8_t key[4 + CT_ASSET_MAX];
    size_t al = strlen(asset);
    uint64_t v;
    if (al == 0 || al > CT_ASSET_MAX) /* not a ticker: ct_price_get says so */
        return ct_price_get(c->db, c->snap, cents, NULL, asset, day, err);
    ct_put_be32(key, day);
    memcpy(key + 4, asset, al);
    if (!ct_hmap_get(&c->days, key, 4 + al, &v)) {
        uint64_t price;
        int rc = ct_price_get(c->db, c->snap, &price, NULL, asset, day, err);
        if (rc != CT_OK && rc != CT_ENOTFOUND)
            return rc;
        v = rc == CT_OK ? price + 1 : 0;
        if (ct_hmap_put(&c->days, key, 4 + al, v))
            return ct_fail(err, CT_ENOMEM, "out-of-memory", "caching prices");
    }
    if (v == 0)
        return CT_ENOTFOUND;
    *cents = v - 1;
    return CT_OK;
}
