/* The customer file of `chaintrail scan` (docs/scan.md "The customer file"): CSV with a
 * header or JSON lines, one (customer, address, chain) per row. A bad row is listed with its
 * line and skipped so that one typo does not stop a nightly screening of everyone else. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "base/util.h"
#include "chaintrail/cases.h"
#include "chaintrail/scan.h"

static const char *const chain_names[CT_SCAN_CHAINS] = {"bitcoin", "ethereum"};
static const char *const chain_titles[CT_SCAN_CHAINS] = {"a Bitcoin", "an Ethereum"};

const char *ct_scan_chain_name(ct_scan_chain c)
{
    return (unsigned)c < CT_SCAN_CHAINS ? chain_names[c] : NULL;
}

/* A row being built: offsets into the text buffer until the end, when they become
 * pointers (the buffer moves while it grows). */
typedef struct pending {
    size_t id_off, addr_off;
} pending;

typedef struct reader {
    ct_scan_customers *c;
    ct_buf text;
    pending *pend;
    size_t pend_cap;
} reader;

static void bad_row(ct_scan_customers *c, uint64_t line, const char *fmt, ...) CT_PRINTF(3, 4);
static void bad_row(ct_scan_customers *c, uint64_t line, const char *fmt, ...)
{
    c->skipped++;
    if (c->n_bad >= CT_SCAN_BAD_LISTED)
        return;
    ct_scan_bad_row *b = &c->bad[c->n_bad++];
    b->line = line;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b->reason, sizeof(b->reason), fmt, ap);
    va_end(ap);
}

/* Copies at most 100 bytes of s for a message, control bytes as '?'. */
static void shown(char out[104], const char *s, size_t len)
{
    size_t n = len > 100 ? 100 : len, i;
    for (i = 0; i < n; i++)
        out[i] = ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ? '?' : s[i];
    if (len > n) {
        memcpy(out + n, "...", 3);
        n += 3;
    }
    out[n] = '\0';
}

static bool has_control(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return true;
    return false;
}

/* Checks one row and keeps it. chain == NULL: not given (inferred from the address).
 * Returns CT_OK (kept or skipped) or CT_ENOMEM. */
static int add_row(reader *r, uint64_t line, const char *id, size_t id_len, const char *addr,
                   size_t addr_len, const char *chain, size_t chain_len)
{
    ct_scan_customers *c = r->c;
    char s[104];
    if (id_len == 0) {
        bad_row(c, line, "empty customer_id");
        return CT_OK;
    }
    if (id_len > CT_SCAN_CUSTOMER_ID_MAX) {
        bad_row(c, line, "customer_id longer than %u bytes", CT_SCAN_CUSTOMER_ID_MAX);
        return CT_OK;
    }
    if (has_control(id, id_len) || memchr(id, '\0', id_len)) {
        bad_row(c, line, "customer_id holds a control character");
        return CT_OK;
    }
    if (addr_len == 0) {
        bad_row(c, line, "empty address");
        return CT_OK;
    }
    char a[CT_CASE_SOURCE_MAX];
    if (addr_len >= sizeof(a) || memchr(addr, '\0', addr_len)) {
        shown(s, addr, addr_len);
        bad_row(c, line, "'%s' is not an address", s);
        return CT_OK;
    }
    memcpy(a, addr, addr_len);
    a[addr_len] = '\0';
    ct_scan_chain ch;
    if (chain == NULL || chain_len == 0) {
        ch = (addr_len >= 2 && a[0] == '0' && (a[1] == 'x' || a[1] == 'X')) ? CT_SCAN_ETHEREUM
                                                                            : CT_SCAN_BITCOIN;
    } else {
        size_t k;
        for (k = 0; k < CT_SCAN_CHAINS; k++)
            if (strlen(chain_names[k]) == chain_len &&
                memcmp(chain_names[k], chain, chain_len) == 0)
                break;
        if (k == CT_SCAN_CHAINS) {
            shown(s, chain, chain_len);
            bad_row(c, line, "unknown chain '%s' (valid: bitcoin, ethereum)", s);
            return CT_OK;
        }
        ch = (ct_scan_chain)k;
    }
    ct_case_source src;
    bool ok = ct_case_source_parse(&src, a, NULL) == CT_OK;
    if (ch == CT_SCAN_BITCOIN)
        ok = ok && (src.kind == CT_CASE_ADDRESS || src.kind == CT_CASE_SCRIPT);
    else
        ok = ok && src.kind == CT_CASE_ETH_ADDRESS;
    if (!ok) {
        shown(s, addr, addr_len);
        bad_row(c, line, "'%s' is not %s address", s, chain_titles[ch]);
        return CT_OK;
    }
    if (ch == CT_SCAN_ETHEREUM) { /* the labels' form: 0X... and checksummed hex are 0x... */
        if (a[1] == 'X')
            a[1] = 'x';
        for (size_t i = 2; i < addr_len; i++)
            if (a[i] >= 'A' && a[i] <= 'F')
                a[i] = (char)(a[i] - 'A' + 'a');
    }
    if (src.kind == CT_CASE_ADDRESS) {
        /* stored and looked up in the labels' form: BC1Q... is bc1q... */
        char norm[CT_LABEL_ADDRESS_MAX + 1];
        ct_error ne;
        ct_error_clear(&ne);
        if (ct_labels_address_normalize(norm, a, &ne) != CT_OK || strlen(norm) >= sizeof(a)) {
            shown(s, addr, addr_len);
            bad_row(c, line, "'%s' cannot be normalized: %s", s, ne.detail);
            return CT_OK;
        }
        addr_len = strlen(norm);
        memcpy(a, norm, addr_len + 1);
    }

    if (c->count == r->pend_cap) {
        size_t cap = r->pend_cap ? r->pend_cap * 2 : 256;
        pending *p = realloc(r->pend, cap * sizeof(*p));
        ct_scan_customer *it = realloc(c->items, cap * sizeof(*it));
        if (p)
            r->pend = p;
        if (it)
            c->items = it;
        if (!p || !it)
            return ct_fail(NULL, CT_ENOMEM, "out-of-memory", "customers");
        r->pend_cap = cap;
    }
    pending *p = &r->pend[c->count];
    p->id_off = r->text.len;
    if (ct_buf_append(&r->text, id, id_len) != CT_OK || ct_buf_putc(&r->text, '\0') != CT_OK)
        return CT_ENOMEM;
    p->addr_off = r->text.len;
    if (ct_buf_append(&r->text, a, addr_len) != CT_OK || ct_buf_putc(&r->text, '\0') != CT_OK)
        return CT_ENOMEM;
    ct_scan_customer *it = &c->items[c->count++];
    it->chain = ch;
    it->line = line;
    it->customer_id = it->address = NULL;
    return CT_OK;
}

#define MAX_FIELDS 3

typedef struct field {
    const char *p;
    size_t len;
} field;

/* Splits one CSV line (RFC 4180 quotes; "" inside quotes is one quote, written into the
 * scratch buffer). Returns the number of fields, -1 with *why set, or -2 when out of memory. */
static int split_csv(const char *s, size_t len, field *f, ct_buf *scratch, const char **why)
{
    int n = 0;
    size_t i = 0;
    ct_buf_reset(scratch);
    /* Reserve once so pointers into the scratch stay valid while fields are added. */
    if (ct_buf_reserve(scratch, len + 1) != CT_OK)
        return -2; /* out of memory */
    for (;;) {
        if (n == MAX_FIELDS + 1) {
            *why = NULL;
            return n;
        }
        if (i < len && s[i] == '"') {
            size_t start = scratch->len;
            i++;
            for (;;) {
                if (i == len) {
                    *why = "unterminated quoted field";
                    return -1;
                }
                if (s[i] == '"') {
                    if (i + 1 < len && s[i + 1] == '"') {
                        scratch->data[scratch->len++] = '"';
                        i += 2;
                        continue;
                    }
                    i++;
                    break;
                }
                scratch->data[scratch->len++] = (uint8_t)s[i++];
            }
            f[n].p = (const char *)scratch->data + start;
            f[n].len = scratch->len - start;
            n++;
            if (i < len && s[i] != ',') {
                *why = "text after a closing quote";
                return -1;
            }
        } else {
            size_t start = i;
            while (i < len && s[i] != ',') {
                if (s[i] == '"') {
                    *why = "quote inside an unquoted field";
                    return -1;
                }
                i++;
            }
            f[n].p = s + start;
            f[n].len = i - start;
            n++;
        }
        if (i == len)
            return n;
        i++; /* the comma */
    }
}

static bool field_is(const field *f, const char *s)
{
    return f->len == strlen(s) && memcmp(f->p, s, f->len) == 0;
}

/* Next line of text[*pos..len): its start and length without "\r\n". */
static bool next_line(const char *text, size_t len, size_t *pos, const char **line, size_t *n)
{
    if (*pos >= len)
        return false;
    const char *s = text + *pos;
    const char *e = memchr(s, '\n', len - *pos);
    size_t l = e ? (size_t)(e - s) : len - *pos;
    *pos += l + (e ? 1 : 0);
    if (l > 0 && s[l - 1] == '\r')
        l--;
    *line = s;
    *n = l;
    return true;
}

static bool blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t')
            return false;
    return true;
}

static int parse_csv(reader *r, const char *text, size_t len, ct_error *err)
{
    size_t pos = 0, n;
    const char *s;
    uint64_t line = 0;
    int ncols = 0, rc = CT_OK;
    ct_buf scratch;
    ct_buf_init(&scratch, SIZE_MAX);
    while (next_line(text, len, &pos, &s, &n)) {
        line++;
        if (blank(s, n))
            continue;
        field f[MAX_FIELDS + 1];
        const char *why;
        int nf = split_csv(s, n, f, &scratch, &why);
        if (nf == -2) {
            rc = ct_fail(err, CT_ENOMEM, "out-of-memory", "customers");
            break;
        }
        if (ncols == 0) {
            if (nf >= 2 && nf <= 3 && field_is(&f[0], "customer_id") &&
                field_is(&f[1], "address") && (nf == 2 || field_is(&f[2], "chain"))) {
                ncols = nf;
                continue;
            }
            rc = ct_fail(err, CT_ECORRUPT, "customers-header",
                         "line %llu: the header must be customer_id,address or "
                         "customer_id,address,chain",
                         (unsigned long long)line);
            break;
        }
        r->c->rows++;
        if (nf < 0) {
            bad_row(r->c, line, "%s", why);
            continue;
        }
        if (nf != ncols) {
            bad_row(r->c, line, "%s%d fields, the header has %d",
                    nf > MAX_FIELDS ? "more than " : "", nf > MAX_FIELDS ? MAX_FIELDS : nf, ncols);
            continue;
        }
        rc = add_row(r, line, f[0].p, f[0].len, f[1].p, f[1].len, ncols == 3 ? f[2].p : NULL,
                     ncols == 3 ? f[2].len : 0);
        if (rc != CT_OK) {
            ct_fail(err, rc, "out-of-memory", "customers");
            break;
        }
    }
    if (rc == CT_OK && ncols == 0)
        rc = ct_fail(err, CT_ECORRUPT, "customers-header",
                     "the file is empty: the header customer_id,address is missing");
    ct_buf_release(&scratch);
    return rc;
}

static int parse_jsonl(reader *r, const char *text, size_t len, ct_error *err)
{
    size_t pos = 0, n;
    const char *s;
    uint64_t line = 0;
    int rc = CT_OK;
    ct_json_doc d;
    ct_json_init(&d);
    ct_buf val[3];
    for (int k = 0; k < 3; k++)
        ct_buf_init(&val[k], SIZE_MAX);
    static const char *const keys[3] = {"customer_id", "address", "chain"};
    while (next_line(text, len, &pos, &s, &n)) {
        line++;
        if (blank(s, n))
            continue;
        r->c->rows++;
        ct_error je;
        ct_error_clear(&je);
        ct_json_options o = CT_JSON_OPTIONS_INIT;
        o.max_depth = 4;
        int jr = ct_json_parse(&d, s, n, &o, &je);
        if (jr == CT_ENOMEM) {
            rc = ct_fail(err, CT_ENOMEM, "out-of-memory", "customers");
            break;
        }
        if (jr != CT_OK) {
            bad_row(r->c, line, "not JSON: %s", je.detail);
            continue;
        }
        if (ct_json_type_of(&d, 0) != CT_JSON_OBJECT) {
            bad_row(r->c, line, "not a JSON object");
            continue;
        }
        bool have[3] = {false, false, false}, bad = false;
        for (uint32_t k = ct_json_first(&d, 0); k && !bad; k = ct_json_next(&d, 0, k + 1)) {
            int which = -1;
            for (int j = 0; j < 3; j++)
                if (ct_json_string_is(&d, k, keys[j]))
                    which = j;
            size_t kl;
            const char *kt = ct_json_raw(&d, k, &kl);
            char ks[104];
            shown(ks, kt, kl);
            if (which < 0) {
                bad_row(r->c, line, "unknown field '%s' (valid: customer_id, address, chain)", ks);
                bad = true;
            } else if (ct_json_type_of(&d, k + 1) != CT_JSON_STRING) {
                bad_row(r->c, line, "field '%s' is not a string", ks);
                bad = true;
            } else if (ct_json_string(&d, k + 1, &val[which]) != CT_OK) {
                rc = ct_fail(err, CT_ENOMEM, "out-of-memory", "customers");
                break;
            } else {
                have[which] = true;
            }
        }
        if (rc != CT_OK)
            break;
        if (bad)
            continue;
        if (!have[0] || !have[1]) {
            bad_row(r->c, line, "missing field '%s'", have[0] ? "address" : "customer_id");
            continue;
        }
        rc = add_row(r, line, (const char *)val[0].data, val[0].len, (const char *)val[1].data,
                     val[1].len, have[2] ? (const char *)val[2].data : NULL,
                     have[2] ? val[2].len : 0);
        if (rc != CT_OK) {
            ct_fail(err, rc, "out-of-memory", "customers");
            break;
        }
    }
    for (int k = 0; k < 3; k++)
        ct_buf_release(&val[k]);
    ct_json_release(&d);
    return rc;
}

int ct_scan_customers_parse(ct_scan_customers *out, const char *text, size_t len, ct_error *err)
{
    memset(out, 0, sizeof(*out));
    reader r = {.c = out};
    ct_buf_init(&r.text, SIZE_MAX);
    size_t pos = 0, n;
    const char *s;
    bool jsonl = false;
    while (next_line(text, len, &pos, &s, &n)) {
        if (blank(s, n))
            continue;
        size_t i = 0;
        while (i < n && (s[i] == ' ' || s[i] == '\t'))
            i++;
        jsonl = s[i] == '{';
        break;
    }
    out->format = jsonl ? CT_SCAN_CUSTOMERS_JSONL : CT_SCAN_CUSTOMERS_CSV;
    int rc = jsonl ? parse_jsonl(&r, text, len, err) : parse_csv(&r, text, len, err);
    if (rc == CT_OK) {
        for (size_t i = 0; i < out->count; i++) {
            out->items[i].customer_id = (const char *)r.text.data + r.pend[i].id_off;
            out->items[i].address = (const char *)r.text.data + r.pend[i].addr_off;
        }
        out->text_ = (char *)r.text.data;
        out->cap_ = r.text.cap;
    } else {
        ct_buf_release(&r.text);
        free(out->items);
        out->items = NULL;
        out->count = 0;
    }
    free(r.pend);
    return rc;
}

int ct_scan_customers_read(ct_scan_customers *out, const char *path, ct_error *err)
{
    memset(out, 0, sizeof(*out));
    char *text;
    size_t len;
    int rc = ct_read_file(path, CT_SCAN_FILE_MAX, false, &text, &len, err);
    if (rc == CT_OK) {
        rc = ct_scan_customers_parse(out, text, len, err);
        free(text);
    }
    if (rc != CT_OK)
        ct_error_set_file(err, path);
    return rc;
}

void ct_scan_customers_release(ct_scan_customers *c)
{
    free(c->items);
    free(c->text_);
    memset(c, 0, sizeof(*c));
}
