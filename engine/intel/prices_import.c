/* The importer of daily price files: reads a CSV (a header naming a Date column and a price
 * column, then one row per day), checks every row (dates, prices, field counts, duplicate
 * days) before writing anything, then merges the days into the price table in one
 * synchronous batch: days not yet stored are added, days stored with the same price are
 * left alone, days stored with another price keep it and are reported as conflicts. The
 * file's bytes are hashed, so importing the same file again finds its source row and writes
 * nothing. Formats and rules: docs/prices.md. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/hash.h"
#include "base/util.h"
#include "intel/prices_internal.h"

#define LINE_MAX_BYTES (64u << 10)
#define ROWS_MAX       4000000u /* more than every day from 1970 to 9999 */
#define FIELDS_MAX     256u

typedef struct row {
    uint32_t day;
    uint64_t cents;
    uint64_t line;
} row;

typedef struct imp {
    const char *path;
    char shown[112]; /* the path as printed in messages (long ones keep their end) */
    ct_error *err;
    FILE *f;
    ct_sha256_ctx sha;
    uint8_t buf[65536];
    size_t pos, len;
    bool eof;
    uint64_t line;
    ct_buf text; /* the current line */
    char *fields[FIELDS_MAX];
    size_t nfields;
    size_t header_fields;
    size_t date_col, price_col;
    char date_name[64], price_name[64];
    row *rows;
    size_t nrows, cap;
} imp;

static int file_fail(imp *m, int code, const char *reason, uint64_t line, const char *column,
                     const char *fmt, ...) CT_PRINTF(6, 7);
static int file_fail(imp *m, int code, const char *reason, uint64_t line, const char *column,
                     const char *fmt, ...)
{
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    ct_error_set_file(m->err, m->path);
    if (column)
        return ct_fail(m->err, code, reason, "%s:%llu: column '%s': %s", m->shown,
                       (unsigned long long)line, column, msg);
    return ct_fail(m->err, code, reason, "%s:%llu: %s", m->shown, (unsigned long long)line, msg);
}

/* Reads the next line into m->text (without its newline, and without the \r of a CRLF).
 * Returns CT_OK, CT_EEOF when the file is done, CT_EIO, or CT_ECORRUPT for a line that is
 * too long or holds a NUL byte. */
static int next_line(imp *m)
{
    ct_buf_reset(&m->text);
    bool any = false;
    for (;;) {
        if (m->pos == m->len) {
            if (m->eof)
                break;
            m->len = fread(m->buf, 1, sizeof(m->buf), m->f);
            m->pos = 0;
            if (m->len < sizeof(m->buf)) {
                if (ferror(m->f))
                    return ct_fail(m->err, CT_EIO, "io-error", "cannot read '%s': %s", m->path,
                                   strerror(errno));
                m->eof = true;
            }
            ct_sha256_update(&m->sha, m->buf, m->len);
            if (m->len == 0)
                break;
        }
        uint8_t *start = m->buf + m->pos;
        uint8_t *nl = memchr(start, '\n', m->len - m->pos);
        size_t n = nl ? (size_t)(nl - start) : m->len - m->pos;
        any = true;
        if (memchr(start, '\0', n))
            return file_fail(m, CT_ECORRUPT, "bad-line", m->line + 1, NULL, "a NUL byte");
        if (ct_buf_append(&m->text, start, n))
            return file_fail(m, CT_ECORRUPT, "bad-line", m->line + 1, NULL,
                             "line longer than %u bytes", LINE_MAX_BYTES);
        m->pos += n + (nl != NULL);
        if (nl)
            break;
    }
    if (!any)
        return CT_EEOF;
    m->line++;
    if (m->text.len && m->text.data[m->text.len - 1] == '\r')
        m->text.data[--m->text.len] = '\0';
    return CT_OK;
}

/* Splits m->text at commas into m->fields. Quotes are not part of either format. */
static int split(imp *m)
{
    char *s = (char *)m->text.data;
    m->nfields = 0;
    for (;;) {
        if (m->nfields == FIELDS_MAX)
            return file_fail(m, CT_ECORRUPT, "field-count", m->line, NULL, "more than %u fields",
                             FIELDS_MAX);
        m->fields[m->nfields++] = s;
        char *c = strchr(s, ',');
        if (!c)
            break;
        *c = '\0';
        s = c + 1;
    }
    for (size_t i = 0; i < m->nfields; i++)
        if (strchr(m->fields[i], '"'))
            return file_fail(m, CT_ECORRUPT, "bad-line", m->line, NULL,
                             "quoted fields are not supported");
    return CT_OK;
}

static bool name_eq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char x = *a >= 'a' && *a <= 'z' ? (char)(*a - 32) : *a;
        char y = *b >= 'a' && *b <= 'z' ? (char)(*b - 32) : *b;
        if (x != y)
            return false;
    }
    return *a == *b;
}

/* Finds the one column named `name` (ASCII case-insensitive): its index, SIZE_MAX when
 * absent, or SIZE_MAX - 1 when the header names it twice. */
static size_t find_col(const imp *m, const char *name)
{
    size_t found = SIZE_MAX;
    for (size_t i = 0; i < m->nfields; i++)
        if (name_eq(m->fields[i], name)) {
            if (found != SIZE_MAX)
                return SIZE_MAX - 1;
            found = i;
        }
    return found;
}

static int header(imp *m, const char *asset, const char *column)
{
    int rc = next_line(m);
    if (rc == CT_EEOF)
        return file_fail(m, CT_ECORRUPT, "bad-header", 1, NULL, "empty file: no header");
    if (rc)
        return rc;
    if (m->text.len >= 3 && memcmp(m->text.data, "\xef\xbb\xbf", 3) == 0) { /* UTF-8 BOM */
        memmove(m->text.data, m->text.data + 3, m->text.len - 2);
        m->text.len -= 3;
    }
    if ((rc = split(m)))
        return rc;
    m->header_fields = m->nfields;
    for (size_t i = 0; i < m->nfields; i++)
        if (!m->fields[i][0])
            return file_fail(m, CT_ECORRUPT, "bad-header", 1, NULL, "header field %zu is empty",
                             i + 1);
    m->date_col = find_col(m, "Date");
    if (m->date_col >= SIZE_MAX - 1)
        return file_fail(m, CT_ECORRUPT, "bad-header", 1, NULL,
                         m->date_col == SIZE_MAX ? "no 'Date' column in the header"
                                                 : "two 'Date' columns in the header");
    snprintf(m->date_name, sizeof(m->date_name), "%s", m->fields[m->date_col]);
    char want[CT_ASSET_MAX + 8];
    snprintf(want, sizeof(want), "%s_USD", asset);
    if (column) {
        m->price_col = find_col(m, column);
    } else {
        m->price_col = find_col(m, want);
        if (m->price_col == SIZE_MAX)
            m->price_col = find_col(m, "Close");
    }
    if (m->price_col == SIZE_MAX) {
        if (column)
            return file_fail(m, CT_ECORRUPT, "no-column", 1, NULL,
                             "no column '%.60s' in the header", column);
        return file_fail(m, CT_ECORRUPT, "no-column", 1, NULL,
                         "no column '%s' or 'Close' in the header", want);
    }
    if (m->price_col == SIZE_MAX - 1)
        return file_fail(m, CT_ECORRUPT, "no-column", 1, NULL,
                         "the header names the price column twice");
    if (m->price_col == m->date_col)
        return file_fail(m, CT_ECORRUPT, "no-column", 1, NULL,
                         "the price column cannot be the Date column");
    if (strlen(m->fields[m->price_col]) >= sizeof(m->price_name))
        return file_fail(m, CT_ECORRUPT, "bad-header", 1, NULL, "column name too long");
    snprintf(m->price_name, sizeof(m->price_name), "%s", m->fields[m->price_col]);
    return CT_OK;
}

static int data_row(imp *m)
{
    int rc;
    if ((rc = split(m)))
        return rc;
    if (m->nfields != m->header_fields)
        return file_fail(m, CT_ECORRUPT, "field-count", m->line, NULL,
                         "%zu fields, the header has %zu", m->nfields, m->header_fields);
    const char *date = m->fields[m->date_col];
    const char *price = m->fields[m->price_col];
    row r = {0, 0, m->line};
    if (!date[0])
        return file_fail(m, CT_ECORRUPT, "empty", m->line, m->date_name, "empty date");
    if (ct_day_parse(&r.day, date))
        return file_fail(m, CT_ECORRUPT, "bad-date", m->line, m->date_name,
                         "'%.40s' is not a date YYYY-MM-DD from 1970-01-01 to 9999-12-31", date);
    ct_error pe;
    ct_error_clear(&pe);
    if (ct_price_parse(&r.cents, price, &pe))
        return file_fail(m, CT_ECORRUPT, pe.reason, m->line, m->price_name, "%s", pe.detail);
    if (r.cents == 0)
        return file_fail(m, CT_ECORRUPT, "zero-price", m->line, m->price_name,
                         "price '%.40s' is less than half a cent", price);
    if (m->nrows == m->cap) {
        if (m->nrows == ROWS_MAX)
            return file_fail(m, CT_ECORRUPT, "too-many-rows", m->line, NULL, "more than %u rows",
                             ROWS_MAX);
        size_t ncap = m->cap ? m->cap * 2 : 4096;
        ncap = ncap > ROWS_MAX ? ROWS_MAX : ncap;
        row *nr = realloc(m->rows, ncap * sizeof(*nr));
        if (!nr)
            return ct_fail(m->err, CT_ENOMEM, "out-of-memory", "reading '%s'", m->path);
        m->rows = nr;
        m->cap = ncap;
    }
    m->rows[m->nrows++] = r;
    return CT_OK;
}

static int row_cmp(const void *a, const void *b)
{
    const row *x = a, *y = b;
    if (x->day != y->day)
        return x->day < y->day ? -1 : 1;
    return x->line < y->line ? -1 : x->line > y->line;
}

/* Sorts the rows by day and folds duplicates: the same price again is dropped; another
 * price is an error at the first line (in file order) that repeats a day. */
static int fold_duplicates(imp *m, uint64_t *days)
{
    qsort(m->rows, m->nrows, sizeof(row), row_cmp);
    const row *bad = NULL, *prev = NULL;
    size_t out = 0;
    for (size_t i = 0; i < m->nrows; i++) {
        const row *r = &m->rows[i];
        if (out && m->rows[out - 1].day == r->day) {
            /* rows[out-1] is the first line of this day */
            if (r->cents != m->rows[out - 1].cents && (!bad || r->line < bad->line)) {
                bad = r;
                prev = &m->rows[out - 1];
            }
            continue;
        }
        m->rows[out++] = *r;
    }
    if (bad) {
        char date[11], a[CT_CENTS_TEXT_MAX], b[CT_CENTS_TEXT_MAX];
        ct_day_format(date, bad->day);
        ct_cents_format(a, sizeof(a), prev->cents);
        ct_cents_format(b, sizeof(b), bad->cents);
        return file_fail(m, CT_ECORRUPT, "duplicate-day", bad->line, m->date_name,
                         "%s is also on line %llu with another price (%s there, %s here)", date,
                         (unsigned long long)prev->line, a, b);
    }
    *days = out;
    return CT_OK;
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* Finds an earlier import of the same bytes for the same asset and column: its id, or 0. */
static int find_source(ct_db *db, uint32_t *id, ct_price_source *found, const uint8_t sha[32],
                       const char *asset, const char *column, ct_error *err)
{
    *id = 0;
    ct_store_iter *it = ct_store_iter_new(db->st, NULL);
    if (!it)
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "opening an iterator");
    const uint8_t first[2] = {CT_T_PRICE, 0x00};
    int rc = CT_OK;
    for (ct_store_iter_seek(it, first, 2); ct_store_iter_valid(it); ct_store_iter_next(it)) {
        size_t kl, vl;
        const uint8_t *k = ct_store_iter_key(it, &kl);
        const uint8_t *v = ct_store_iter_value(it, &vl);
        if (kl < 2 || k[0] != CT_T_PRICE || k[1] != 0x00)
            break;
        if (kl != 6) {
            rc = ct_fail(err, CT_EDBCORRUPT, "bad-row", "price table: source key of %zu bytes", kl);
            break;
        }
        if ((rc = ct_price_source_decode(found, ct_be32(k + 2), v, vl, err)))
            break;
        if (memcmp(found->sha256, sha, 32) == 0 && strcmp(found->asset, asset) == 0 &&
            strcmp(found->column, column) == 0) {
            *id = found->id;
            break;
        }
    }
    if (rc == CT_OK)
        rc = ct_store_iter_status(it, err);
    ct_store_iter_free(it);
    return rc;
}

/* Compares the file's days with the table and builds the batch. */
static int merge(ct_db *db, imp *m, ct_price_import_stats *st, const char *asset,
                 const ct_price_import_options *o, ct_error *err)
{
    uint8_t sha[32], k[CT_PRICE_KEY_MAX], v[CT_PRICE_SOURCE_MAX];
    ct_price_source src;
    ct_price_meta meta;
    ct_price_summary sum = {0, UINT32_MAX, 0};
    ct_buf val;
    int rc;
    ct_sha256_final(&m->sha, sha);
    if ((rc = ct_price_meta_load(db, &meta, err)) ||
        (rc = find_source(db, &st->source, &src, sha, asset, m->price_name, err)))
        return rc;
    st->new_source = st->source == 0;
    if (st->new_source) {
        if (meta.sources == UINT32_MAX)
            return ct_fail(err, CT_ENOMEM, "too-many-sources", "the price table is full");
        st->source = meta.sources + 1;
        memset(&src, 0, sizeof(src));
        src.id = st->source;
        memcpy(src.sha256, sha, 32);
        snprintf(src.asset, sizeof(src.asset), "%s", asset);
        snprintf(src.column, sizeof(src.column), "%s", m->price_name);
        snprintf(src.name, sizeof(src.name), "%s", base_name(m->path));
        src.rows = st->rows;
    }
    ct_store_batch *b = ct_store_batch_new();
    if (!b)
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "allocating a batch");
    ct_buf_init(&val, 1024);
    rc = ct_store_get(db->st, NULL, k, ct_price_sum_key(k, asset), &val, err);
    if (rc == CT_OK)
        rc = ct_price_summary_decode(&sum, val.data, val.len, err);
    else if (rc == CT_ENOTFOUND)
        rc = CT_OK;
    for (size_t i = 0; rc == CT_OK && i < m->nrows; i++) {
        const row *r = &m->rows[i];
        size_t kl = ct_price_key(k, asset, r->day);
        rc = ct_store_get(db->st, NULL, k, kl, &val, err);
        if (rc == CT_ENOTFOUND) {
            rc = CT_OK;
            ct_put_be64(v, r->cents);
            ct_put_be32(v + 8, st->source);
            ct_store_batch_put(b, k, kl, v, CT_PRICE_ROW_SIZE);
            st->added++;
            sum.days++;
            sum.first = r->day < sum.first ? r->day : sum.first;
            sum.last = r->day > sum.last ? r->day : sum.last;
            continue;
        }
        if (rc)
            break;
        if (val.len != CT_PRICE_ROW_SIZE) {
            rc = ct_fail(err, CT_EDBCORRUPT, "bad-row", "price table: price row of %zu bytes",
                         val.len);
            break;
        }
        ct_price_conflict c = {r->line, r->day, ct_be64(val.data), ct_be32(val.data + 8), r->cents};
        if (c.stored_cents == r->cents) {
            st->same++;
            continue;
        }
        st->conflicts++;
        if (o->conflict)
            o->conflict(o->ctx, &c);
    }
    if (rc == CT_OK && (st->new_source || st->added)) {
        if (st->new_source) {
            src.added = st->added;
            src.conflicts = st->conflicts;
            meta.sources = st->source;
        } else {
            src.added += st->added;
        }
        meta.days += st->added;
        ct_store_batch_put(b, k, ct_price_source_key(k, st->source), v,
                           ct_price_source_encode(v, &src));
        if (st->added)
            ct_store_batch_put(b, k, ct_price_sum_key(k, asset), v,
                               ct_price_summary_encode(v, &sum));
        ct_store_batch_put(b, k, ct_key_user_meta(k, "prices"), v, ct_price_meta_encode(v, &meta));
        rc = ct_store_write(db->st, b, true, err);
    }
    ct_buf_release(&val);
    ct_store_batch_free(b);
    return rc;
}

static void imp_init(imp *m, const char *path, ct_error *err)
{
    m->path = path;
    m->err = err;
    size_t plen = strlen(path);
    if (plen < sizeof(m->shown))
        snprintf(m->shown, sizeof(m->shown), "%s", path);
    else
        snprintf(m->shown, sizeof(m->shown), "...%s", path + plen - (sizeof(m->shown) - 4));
    ct_buf_init(&m->text, LINE_MAX_BYTES);
    ct_sha256_init(&m->sha);
}

static int read_rows(imp *m, const char *asset, const char *column, ct_price_import_stats *st)
{
    int rc;
    if ((rc = header(m, asset, column)))
        return rc;
    snprintf(st->column, sizeof(st->column), "%s", m->price_name);
    /* Empty lines may end the file; before a row they are an error. */
    uint64_t blank = 0;
    while ((rc = next_line(m)) == CT_OK) {
        if (m->text.len == 0) {
            blank = blank ? blank : m->line;
            continue;
        }
        if (blank)
            return file_fail(m, CT_ECORRUPT, "bad-line", blank, NULL, "empty line");
        if ((rc = data_row(m)))
            return rc;
    }
    if (rc != CT_EEOF)
        return rc;
    st->rows = m->nrows;
    if (m->nrows == 0)
        return file_fail(m, CT_ECORRUPT, "no-rows", m->line, NULL,
                         "no price rows after the header");
    if ((rc = fold_duplicates(m, &st->days)))
        return rc;
    m->nrows = st->days;
    st->first_day = m->rows[0].day;
    st->last_day = m->rows[m->nrows - 1].day;
    return CT_OK;
}

/* The asset (normalized into norm) and the column option of an import. */
static int check_options(char norm[CT_ASSET_MAX + 1], const char *asset, const char *column,
                         ct_error *err)
{
    int rc = ct_asset_normalize(norm, asset, err);
    if (rc)
        return rc;
    if (column && (!column[0] || strlen(column) >= 64))
        return ct_fail(err, CT_EINVAL, "bad-options", "a price column name of 1 to 63 bytes");
    return CT_OK;
}

int ct_prices_read(FILE *f, const char *name, const char *asset, const char *column,
                   ct_price_import_stats *st, ct_error *err)
{
    char norm[CT_ASSET_MAX + 1];
    int rc;
    memset(st, 0, sizeof(*st));
    if ((rc = check_options(norm, asset, column, err)))
        return rc;
    imp *m = calloc(1, sizeof(*m));
    if (!m)
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "reading '%s'", name);
    imp_init(m, name, err);
    m->f = f;
    rc = read_rows(m, norm, column, st);
    ct_buf_release(&m->text);
    free(m->rows);
    free(m);
    return rc;
}

int ct_prices_import(ct_db *db, ct_price_import_stats *st, const char *path,
                     const ct_price_import_options *o, ct_error *err)
{
    char asset[CT_ASSET_MAX + 1];
    int rc;
    memset(st, 0, sizeof(*st));
    if (!o || o->version != CT_PRICE_IMPORT_OPTIONS_VERSION || !o->asset)
        return ct_fail(err, CT_EINVAL, "bad-options", "price import options without an asset");
    if ((rc = check_options(asset, o->asset, o->column, err)))
        return rc;
    imp *m = calloc(1, sizeof(*m));
    if (!m)
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "importing '%s'", path);
    imp_init(m, path, err);
    int fd;
    if ((rc = ct_open_regular(path, false, &fd, err)) != CT_OK) /* no FIFO, no device */
        goto out;
    m->f = fdopen(fd, "rb");
    if (!m->f) {
        close(fd);
        rc = ct_fail(err, CT_EIO, "io-error", "cannot open '%s': %s", path, strerror(errno));
        goto out;
    }
    if ((rc = read_rows(m, asset, o->column, st)) == CT_OK)
        rc = merge(db, m, st, asset, o, err);
out:
    if (m->f)
        fclose(m->f);
    ct_buf_release(&m->text);
    free(m->rows);
    free(m);
    return rc;
}
