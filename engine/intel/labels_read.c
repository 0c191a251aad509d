/* Label readers for CSV (RFC 4180: ours, Etherscan's label pages, Forta's datasets), JSON
 * (Etherscan's combined export, arrays of label objects, OFAC lists as arrays) and the OFAC
 * one-address-per-line lists. Each turns its file into ct_label_row records for the sink of
 * labels.c; docs/labels.md describes what each column or member becomes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "intel/label_rows.h"

#define OFAC_SOURCE "OFAC SDN (0xB10C list)"

static void row_init(ct_label_row *r, uint64_t line, uint64_t offset)
{
    memset(r, 0, sizeof(*r));
    r->line = line;
    r->offset = offset;
    r->category = CT_LABEL_OTHER;
    r->confidence = -1;
}

/* ---- OFAC lists ---- */
/* The asset token of an OFAC list: --asset, else the file name's. */
static int ofac_asset(const ct_labels_file *f, const char *forced, char *label, size_t cap,
                      ct_error *err)
{
    const char *a = forced ? forced : f->ofac_asset;
    if (!a[0])
        return ct_fail(err, CT_EINVAL, "unknown-asset",
                       "the asset of an OFAC list comes from its name "
                       "(sanctioned_addresses_<ASSET>.txt or .json) or --asset");
    snprintf(label, cap, "OFAC SDN list %s", a);
    return CT_OK;
}

int ct_labels_read_ofac(ct_labels_sink *s, const ct_labels_file *f, ct_error *err)
{
    char label[64], line[CT_LABEL_ADDRESS_MAX + 64];
    int rc = ofac_asset(f, ct_labels_sink_forced_asset(s), label, sizeof(label), err);
    if (rc)
        return rc;
    ct_labels_sink_set_source(s, OFAC_SOURCE);
    ct_labels_sink_set_confidence(s, 100);
    ct_labels_sink_set_asset(s, f->ofac_asset);
    size_t pos = 0;
    uint64_t lineno = 0;
    while (pos < f->len) {
        size_t start = pos;
        const char *nl = memchr(f->text + pos, '\n', f->len - pos);
        size_t end = nl ? (size_t)(nl - f->text) : f->len;
        pos = nl ? end + 1 : f->len;
        lineno++;
        size_t a = start, b = end;
        if (lineno == 1 && b - a >= 3 && memcmp(f->text + a, "\xef\xbb\xbf", 3) == 0)
            a += 3;
        while (a < b && (f->text[a] == ' ' || f->text[a] == '\t'))
            a++;
        while (b > a && (f->text[b - 1] == ' ' || f->text[b - 1] == '\t' || f->text[b - 1] == '\r'))
            b--;
        if (a == b || f->text[a] == '#')
            continue;
        if (b - a >= sizeof(line) || memchr(f->text + a, '\0', b - a)) {
            rc = ct_labels_sink_reject(s, lineno, start, "bad-address",
                                       "line %llu is not an address", (unsigned long long)lineno);
            if (rc)
                return rc;
            continue;
        }
        memcpy(line, f->text + a, b - a);
        line[b - a] = '\0';
        ct_label_row r;
        row_init(&r, lineno, start);
        r.address = line;
        r.label = label;
        r.category = CT_LABEL_SANCTIONED;
        if ((rc = ct_labels_sink_row(s, &r)))
            return rc;
    }
    return CT_OK;
}

/* ---- CSV (RFC 4180) ---- */
#define CSV_FIELDS 64

typedef struct csv_rec {
    ct_buf buf;             /* the fields' text, each NUL-terminated */
    size_t off[CSV_FIELDS]; /* where each field starts in buf */
    size_t len[CSV_FIELDS]; /* its length */
    size_t n;
    uint64_t line; /* line where the record starts */
    size_t start;  /* byte offset where it starts */
} csv_rec;

static const char *csv_field(const csv_rec *r, size_t i)
{
    return (const char *)r->buf.data + r->off[i];
}

static size_t skip_line(const char *t, size_t len, size_t p, uint64_t *line)
{
    while (p < len && t[p] != '\n')
        p++;
    if (p < len) {
        p++;
        (*line)++;
    }
    return p;
}

/* Reads the record at *pos. Returns 1 (a record), 0 (end of input), -1 (malformed: *why
 * says why, the rest of its line is skipped) or a negative CT_E* code (memory). */
static int csv_next(const char *t, size_t len, size_t *pos, uint64_t *line, csv_rec *r,
                    const char **why)
{
    size_t p = *pos;
    int rc;
    r->n = 0;
    r->line = *line;
    r->start = p;
    ct_buf_reset(&r->buf);
    if (p >= len)
        return 0;
    for (;;) {
        if (r->n == CSV_FIELDS) {
            *why = "more than 64 fields";
            *pos = skip_line(t, len, p, line);
            return -1;
        }
        size_t off = r->buf.len;
        if (p < len && t[p] == '"') {
            p++;
            for (;;) {
                if (p >= len) {
                    *why = "quoted field without its closing quote";
                    *pos = len;
                    return -1;
                }
                char c = t[p];
                if (c == '"') {
                    if (p + 1 < len && t[p + 1] == '"') {
                        if ((rc = ct_buf_putc(&r->buf, '"')))
                            return rc;
                        p += 2;
                        continue;
                    }
                    p++;
                    break;
                }
                if (c == '\n')
                    (*line)++;
                if ((rc = ct_buf_putc(&r->buf, c)))
                    return rc;
                p++;
            }
            if (p < len && t[p] != ',' && t[p] != '\n' &&
                !(t[p] == '\r' && p + 1 < len && t[p + 1] == '\n') &&
                !(t[p] == '\r' && p + 1 == len)) {
                *why = "characters after a closing quote";
                *pos = skip_line(t, len, p, line);
                return -1;
            }
        } else {
            size_t q = p;
            while (q < len && t[q] != ',' && t[q] != '\n' &&
                   !(t[q] == '\r' && (q + 1 == len || t[q + 1] == '\n'))) {
                if (t[q] == '"') {
                    *why = "quote inside an unquoted field";
                    *pos = skip_line(t, len, q, line);
                    return -1;
                }
                q++;
            }
            if ((rc = ct_buf_append(&r->buf, t + p, q - p)))
                return rc;
            p = q;
        }
        r->off[r->n] = off;
        r->len[r->n] = r->buf.len - off;
        r->n++;
        if ((rc = ct_buf_putc(&r->buf, '\0')))
            return rc;
        if (p < len && t[p] == ',') {
            p++;
            continue;
        }
        if (p < len && t[p] == '\r')
            p++;
        if (p < len && t[p] == '\n') {
            p++;
            (*line)++;
        }
        *pos = p;
        return 1;
    }
}

enum csv_profile { P_OURS, P_ETHERSCAN, P_FORTA_LABELS, P_FORTA_PHISHING, P_FORTA_CONTRACTS };

enum { C_ADDRESS, C_LABEL, C_CATEGORY, C_SOURCE, C_CONFIDENCE, C_ASSET, C_REFERENCE, C_N };
static const char *const our_columns[C_N] = {"address",    "label", "category", "source",
                                             "confidence", "asset", "reference"};

static void lower_trim(char *out, size_t cap, const char *in)
{
    while (*in == ' ' || *in == '\t')
        in++;
    size_t n = strlen(in);
    while (n && (in[n - 1] == ' ' || in[n - 1] == '\t'))
        n--;
    if (n >= cap)
        n = cap - 1;
    for (size_t i = 0; i < n; i++)
        out[i] = in[i] >= 'A' && in[i] <= 'Z' ? (char)(in[i] - 'A' + 'a') : in[i];
    out[n] = '\0';
}

static bool header_is(const csv_rec *h, const char *const *names, size_t n)
{
    char name[64];
    if (h->n != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        lower_trim(name, sizeof(name), csv_field(h, i));
        if (strcmp(name, names[i]) != 0)
            return false;
    }
    return true;
}

static int csv_col_find(const csv_rec *h, const char *want)
{
    char name[64];
    for (size_t i = 0; i < h->n; i++) {
        lower_trim(name, sizeof(name), csv_field(h, i));
        if (strcmp(name, want) == 0)
            return (int)i;
    }
    return -1;
}

/* The chain of a Forta file from its directory (labels/<chain id>/...): 10 is Optimism. */
static const char *forta_asset(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (slash && slash - path >= 3 && memcmp(slash - 3, "/10", 3) == 0)
        return "OP";
    if (slash && slash - path == 2 && memcmp(path, "10", 2) == 0)
        return "OP";
    return "ETH";
}

int ct_labels_read_csv(ct_labels_sink *s, const ct_labels_file *f, ct_error *err)
{
    static const char *const etherscan_hdr[] = {"", "address", "name tag", "balance", "txn count"};
    static const char *const forta_labels_hdr[] = {"banned_address", "wallet_tag", "data_source"};
    static const char *const forta_phish_hdr[] = {"address", "etherscan_tag", "etherscan_labels",
                                                  "is_contract"};
    csv_rec h, r;
    size_t pos = 0;
    uint64_t line = 1;
    const char *why = NULL;
    int rc, col[C_N], ncols = 0;
    enum csv_profile prof = P_OURS;
    ct_buf_init(&h.buf, 1u << 20);
    ct_buf_init(&r.buf, 1u << 24);
    if (f->len >= 3 && memcmp(f->text, "\xef\xbb\xbf", 3) == 0)
        pos = 3;
    /* the header: the first non-empty record */
    do {
        rc = csv_next(f->text, f->len, &pos, &line, &h, &why);
    } while (rc == 1 && h.n == 1 && h.len[0] == 0);
    if (rc != 1) {
        if (rc == 0)
            rc = ct_fail(err, CT_ECORRUPT, "csv-header", "no header line");
        else if (rc == -1)
            rc = ct_fail(err, CT_ECORRUPT, "csv-header", "line %llu: %s",
                         (unsigned long long)h.line, why);
        goto out;
    }
    if (header_is(&h, etherscan_hdr, 5))
        prof = P_ETHERSCAN;
    else if (header_is(&h, forta_labels_hdr, 3))
        prof = P_FORTA_LABELS;
    else if (header_is(&h, forta_phish_hdr, 4))
        prof = P_FORTA_PHISHING;
    else if (csv_col_find(&h, "contract_address") == 0 && csv_col_find(&h, "contract_tag") == 1)
        prof = P_FORTA_CONTRACTS;
    else {
        for (int c = 0; c < C_N; c++)
            col[c] = -1;
        for (size_t i = 0; i < h.n; i++) {
            char name[64];
            int c;
            lower_trim(name, sizeof(name), csv_field(&h, i));
            for (c = 0; c < C_N; c++)
                if (strcmp(name, our_columns[c]) == 0)
                    break;
            if (c == C_N || col[c] >= 0) {
                rc = ct_fail(err, CT_ECORRUPT, "csv-header",
                             "line %llu: %s column '%.40s'; the header is address,label,category "
                             "and optionally source,confidence,asset,reference",
                             (unsigned long long)h.line, c == C_N ? "unknown" : "repeated",
                             csv_field(&h, i));
                goto out;
            }
            col[c] = (int)i;
        }
        if (col[C_ADDRESS] < 0 || col[C_LABEL] < 0 || col[C_CATEGORY] < 0) {
            rc = ct_fail(err, CT_ECORRUPT, "csv-header",
                         "line %llu: the header needs the columns address, label and category",
                         (unsigned long long)h.line);
            goto out;
        }
    }
    ncols = (int)h.n;
    ct_label_category file_cat = CT_LABEL_OTHER;
    if (prof != P_OURS) {
        ct_labels_sink_set_confidence(s, 60);
        ct_labels_sink_set_asset(s, prof == P_ETHERSCAN ? "ETH" : forta_asset(f->path));
        file_cat = ct_label_category_normalize(f->stem);
    }

    for (;;) {
        rc = csv_next(f->text, f->len, &pos, &line, &r, &why);
        if (rc == 0)
            break;
        if (rc == -1) {
            if ((rc = ct_labels_sink_reject(s, r.line, r.start, "bad-csv", "%s", why)))
                goto out;
            continue;
        }
        if (rc < 0) {
            rc = ct_fail(err, rc, "out-of-memory", "CSV record at line %llu",
                         (unsigned long long)r.line);
            goto out;
        }
        if (r.n == 1 && r.len[0] == 0)
            continue; /* an empty line */
        if ((int)r.n != ncols) {
            if ((rc = ct_labels_sink_reject(s, r.line, r.start, "bad-field-count",
                                            "%zu fields where the header has %d", r.n, ncols)))
                goto out;
            continue;
        }
        bool nul = false;
        for (size_t i = 0; i < r.n; i++)
            nul |= memchr(csv_field(&r, i), '\0', r.len[i]) != NULL;
        if (nul) {
            if ((rc = ct_labels_sink_reject(s, r.line, r.start, "bad-csv",
                                            "a field holds a NUL byte")))
                goto out;
            continue;
        }
        ct_label_row row;
        row_init(&row, r.line, r.start);
        switch (prof) {
        case P_OURS: {
            row.address = csv_field(&r, (size_t)col[C_ADDRESS]);
            row.label = csv_field(&r, (size_t)col[C_LABEL]);
            row.label_len = r.len[col[C_LABEL]];
            row.category = ct_label_category_normalize(csv_field(&r, (size_t)col[C_CATEGORY]));
            if (col[C_SOURCE] >= 0)
                row.source = csv_field(&r, (size_t)col[C_SOURCE]);
            if (col[C_ASSET] >= 0)
                row.asset = csv_field(&r, (size_t)col[C_ASSET]);
            if (col[C_REFERENCE] >= 0)
                row.reference = csv_field(&r, (size_t)col[C_REFERENCE]);
            if (col[C_CONFIDENCE] >= 0) {
                char conf[64];
                lower_trim(conf, sizeof(conf), csv_field(&r, (size_t)col[C_CONFIDENCE]));
                if (conf[0] && ct_labels_parse_confidence(conf, &row.confidence) != CT_OK) {
                    if ((rc = ct_labels_sink_reject(
                             s, r.line, r.start, "bad-confidence",
                             "confidence '%.40s' is not 0-100 nor a known word", conf)))
                        goto out;
                    continue;
                }
            }
            break;
        }
        case P_ETHERSCAN:
            row.address = csv_field(&r, 1);
            row.label = r.len[2] ? csv_field(&r, 2) : f->stem;
            row.category = file_cat;
            break;
        case P_FORTA_LABELS:
            row.address = csv_field(&r, 0);
            row.label = r.len[1] ? csv_field(&r, 1) : csv_field(&r, 2);
            row.category = ct_label_category_normalize(csv_field(&r, 2));
            break;
        case P_FORTA_PHISHING:
            row.address = csv_field(&r, 0);
            row.label = r.len[1] ? csv_field(&r, 1) : "phishing";
            row.category = ct_label_category_normalize(csv_field(&r, 2));
            break;
        case P_FORTA_CONTRACTS:
            row.address = csv_field(&r, 0);
            row.label = r.len[1] ? csv_field(&r, 1) : "malicious contract";
            row.category = CT_LABEL_HACK;
            break;
        }
        if ((rc = ct_labels_sink_row(s, &row)))
            goto out;
    }
    rc = CT_OK;
out:
    /* csv_next fails on memory without a reason: name the bound, or the memory. */
    if (rc == CT_ENOMEM && (h.buf.toobig || r.buf.toobig))
        rc = ct_fail(err, CT_ECORRUPT, "csv-too-large", "line %llu: %s",
                     (unsigned long long)(h.buf.toobig ? h.line : r.line),
                     h.buf.toobig ? "a header over 1 MiB" : "a record over 16 MiB");
    else if (rc == CT_ENOMEM && err && err->code == CT_OK)
        rc = ct_fail(err, CT_ENOMEM, "out-of-memory", "reading CSV labels");
    ct_buf_release(&h.buf);
    ct_buf_release(&r.buf);
    return rc;
}

/* ---- JSON ---- */
typedef struct line_tracker {
    const char *text;
    size_t len, pos;
    uint64_t line;
} line_tracker;

/* Line of offset `off` (offsets asked in increasing order). */
static uint64_t line_of(line_tracker *lt, size_t off)
{
    if (off < lt->pos) {
        lt->pos = 0;
        lt->line = 1;
    }
    for (; lt->pos < off && lt->pos < lt->len; lt->pos++)
        if (lt->text[lt->pos] == '\n')
            lt->line++;
    return lt->line;
}

static size_t node_start(const ct_json_doc *d, uint32_t i)
{
    return d->nodes[i].type == CT_JSON_STRING ? d->nodes[i].off - 1 : d->nodes[i].off;
}

/* Decodes string member `name` of obj into b. Returns 1 (set), 0 (absent or null), -1 (not
 * a string, or holds a NUL where none may be), or a negative CT_E* (memory). */
static int member_string(const ct_json_doc *d, uint32_t obj, const char *name, ct_buf *b,
                         bool allow_nul)
{
    uint32_t v = ct_json_get(d, obj, name);
    if (!v || ct_json_type_of(d, v) == CT_JSON_NULL)
        return 0;
    if (ct_json_type_of(d, v) != CT_JSON_STRING)
        return -1;
    int rc = ct_json_string(d, v, b);
    if (rc)
        return rc;
    if (!allow_nul && memchr(b->data, '\0', b->len))
        return -1;
    return 1;
}

typedef struct json_bufs {
    ct_buf address, label, category, source, asset, reference, conf, tmp;
} json_bufs;

static int reject_field(ct_labels_sink *s, uint64_t line, size_t off, const char *name, int why)
{
    if (why < -1)
        return why; /* memory */
    return ct_labels_sink_reject(s, line, off, "bad-field", "\"%s\" is not a string%s", name,
                                 why == -1 ? " (or holds a NUL)" : "");
}

/* One {address,label,category,source?,confidence?,asset?,reference?} object. */
static int json_label_object(ct_labels_sink *s, const ct_json_doc *d, uint32_t o, uint64_t line,
                             size_t off, json_bufs *b)
{
    ct_label_row r;
    int k;
    row_init(&r, line, off);
    if (ct_json_type_of(d, o) != CT_JSON_OBJECT)
        return ct_labels_sink_reject(s, line, off, "bad-element",
                                     "an element of the array is not an object");
    static const char *const names[] = {"address", "label", "category",
                                        "source",  "asset", "reference"};
    ct_buf *bufs[] = {&b->address, &b->label, &b->category, &b->source, &b->asset, &b->reference};
    const char *vals[6] = {NULL};
    for (int i = 0; i < 6; i++) {
        k = member_string(d, o, names[i], bufs[i], i == 1);
        if (k < 0)
            return reject_field(s, line, off, names[i], k);
        vals[i] = k == 1 ? (const char *)bufs[i]->data : NULL;
    }
    if (!vals[0])
        return ct_labels_sink_reject(s, line, off, "empty-address", "no \"address\"");
    r.address = vals[0];
    r.label = vals[1] ? vals[1] : "";
    r.label_len = vals[1] ? b->label.len : 0;
    r.category = ct_label_category_normalize(vals[2]);
    r.source = vals[3];
    r.asset = vals[4];
    r.reference = vals[5];
    uint32_t c = ct_json_get(d, o, "confidence");
    if (c && ct_json_type_of(d, c) != CT_JSON_NULL) {
        uint64_t v;
        bool ok = false;
        if (ct_json_type_of(d, c) == CT_JSON_NUMBER)
            ok = ct_json_u64(d, c, &v) == CT_OK && v <= 100 && (r.confidence = (int)v, true);
        else if (ct_json_type_of(d, c) == CT_JSON_STRING && ct_json_string(d, c, &b->conf) == 0)
            ok = ct_labels_parse_confidence((const char *)b->conf.data, &r.confidence) == CT_OK;
        if (!ok)
            return ct_labels_sink_reject(s, line, off, "bad-confidence",
                                         "\"confidence\" is not 0-100 nor a known word");
    }
    return ct_labels_sink_row(s, &r);
}

/* Etherscan's combined export: address -> {"name": ..., "labels": [...]}. */
static int json_etherscan(ct_labels_sink *s, const ct_json_doc *d, uint32_t key, uint64_t line,
                          size_t off, json_bufs *b)
{
    uint32_t v = key + 1;
    ct_label_row r;
    int rc;
    row_init(&r, line, off);
    if ((rc = ct_json_string(d, key, &b->address)))
        return rc;
    if (memchr(b->address.data, '\0', b->address.len))
        return ct_labels_sink_reject(s, line, off, "bad-address", "address holds a NUL");
    if (ct_json_type_of(d, v) != CT_JSON_OBJECT)
        return ct_labels_sink_reject(s, line, off, "bad-element",
                                     "the value of an address is not an object");
    int k = member_string(d, v, "name", &b->label, true);
    if (k < 0)
        return reject_field(s, line, off, "name", k);
    if (k == 0)
        ct_buf_reset(&b->label);
    uint32_t labels = ct_json_get(d, v, "labels");
    ct_buf_reset(&b->tmp);
    if (labels && ct_json_type_of(d, labels) == CT_JSON_ARRAY) {
        for (uint32_t e = ct_json_first(d, labels); e; e = ct_json_next(d, labels, e)) {
            if (ct_json_type_of(d, e) != CT_JSON_STRING)
                return ct_labels_sink_reject(s, line, off, "bad-field",
                                             "an element of \"labels\" is not a string");
            if ((rc = ct_json_string(d, e, &b->category)))
                return rc;
            r.category = ct_label_category_max(
                r.category, ct_label_category_normalize((const char *)b->category.data));
            if ((b->tmp.len && (rc = ct_buf_puts(&b->tmp, ", "))) ||
                (rc = ct_buf_append(&b->tmp, b->category.data, b->category.len)))
                return rc;
        }
    } else if (labels && ct_json_type_of(d, labels) != CT_JSON_NULL) {
        return ct_labels_sink_reject(s, line, off, "bad-field", "\"labels\" is not an array");
    }
    r.address = (const char *)b->address.data;
    if (b->label.len) {
        r.label = (const char *)b->label.data;
        r.label_len = b->label.len;
    } else {
        r.label = (const char *)b->tmp.data; /* no name: the label words */
        r.label_len = b->tmp.len;
    }
    return ct_labels_sink_row(s, &r);
}

int ct_labels_read_json(ct_labels_sink *s, const ct_labels_file *f, ct_error *err)
{
    ct_json_doc d;
    json_bufs b;
    line_tracker lt = {f->text, f->len, 0, 1};
    int rc;
    ct_buf *all[] = {&b.address, &b.label,     &b.category, &b.source,
                     &b.asset,   &b.reference, &b.conf,     &b.tmp};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        ct_buf_init(all[i], 1u << 24);
    ct_json_init(&d);
    if ((rc = ct_json_parse(&d, f->text, f->len, NULL, err)))
        goto out;
    if (ct_json_type_of(&d, 0) == CT_JSON_OBJECT) {
        ct_labels_sink_set_asset(s, "ETH");
        ct_labels_sink_set_confidence(s, 60);
        for (uint32_t k = ct_json_first(&d, 0); k; k = ct_json_next(&d, 0, k + 1)) {
            size_t off = node_start(&d, k);
            if ((rc = json_etherscan(s, &d, k, line_of(&lt, off), off, &b)))
                goto out;
        }
    } else if (ct_json_type_of(&d, 0) == CT_JSON_ARRAY) {
        bool strings = ct_json_count(&d, 0) > 0;
        for (uint32_t e = ct_json_first(&d, 0); e; e = ct_json_next(&d, 0, e))
            strings &= ct_json_type_of(&d, e) == CT_JSON_STRING;
        if (strings) {
            /* An OFAC list as a JSON array of addresses. */
            char label[64];
            if ((rc = ofac_asset(f, ct_labels_sink_forced_asset(s), label, sizeof(label), err)))
                goto out;
            ct_labels_sink_set_source(s, OFAC_SOURCE);
            ct_labels_sink_set_confidence(s, 100);
            ct_labels_sink_set_asset(s, f->ofac_asset);
            for (uint32_t e = ct_json_first(&d, 0); e; e = ct_json_next(&d, 0, e)) {
                size_t off = node_start(&d, e);
                ct_label_row r;
                row_init(&r, line_of(&lt, off), off);
                if ((rc = ct_json_string(&d, e, &b.address)))
                    goto out;
                if (memchr(b.address.data, '\0', b.address.len)) {
                    if ((rc = ct_labels_sink_reject(s, r.line, off, "bad-address",
                                                    "address holds a NUL")))
                        goto out;
                    continue;
                }
                r.address = (const char *)b.address.data;
                r.label = label;
                r.category = CT_LABEL_SANCTIONED;
                if ((rc = ct_labels_sink_row(s, &r)))
                    goto out;
            }
        } else {
            for (uint32_t e = ct_json_first(&d, 0); e; e = ct_json_next(&d, 0, e)) {
                size_t off = node_start(&d, e);
                if ((rc = json_label_object(s, &d, e, line_of(&lt, off), off, &b)))
                    goto out;
            }
        }
    } else {
        rc = ct_fail(err, CT_ECORRUPT, "json-labels",
                     "a label file in JSON is an array or an object");
    }
out:
    /* ct_json_string fails on memory without a reason: name the bound, or the memory. */
    for (size_t i = 0; rc == CT_ENOMEM && err && err->code == CT_OK && i < 8; i++)
        if (all[i]->toobig)
            rc = ct_fail(err, CT_ECORRUPT, "json-too-large", "a string over 16 MiB");
    if (rc == CT_ENOMEM && err && err->code == CT_OK)
        rc = ct_fail(err, CT_ENOMEM, "out-of-memory", "reading JSON labels");
    ct_json_release(&d);
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        ct_buf_release(all[i]);
    return rc;
}
