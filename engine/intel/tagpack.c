/* GraphSense TagPacks: a reader for the small part of YAML that TagPacks use, and the
 * mapping of their tags to label rows.
 *
 * Accepted YAML: a top-level mapping of `key: scalar` lines; `tags:` followed by a block
 * sequence of mappings (`- key: scalar`, more `key: scalar` lines at the same column);
 * inside a tag or at the top, `key:` followed by a block sequence of scalars (`concepts:`);
 * plain, 'single-quoted' and "double-quoted" scalars (quoted ones may span lines, folded as
 * YAML folds them); comments; an optional `%YAML` directive and `---` start marker.
 * Anything else (flow collections, block scalars, anchors, aliases, tags, nested mappings,
 * multi-line plain scalars, tabs in indentation, duplicate keys) is refused with the file's
 * line: nothing of such a file is imported.
 *
 * A tag inherits the header's fields unless it sets them (docs/labels.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "intel/label_rows.h"
#include "intel/yaml.h"

typedef struct yentry {
    int32_t tag;      /* -1: the header; else the tag's index */
    uint32_t key;     /* offset of the key in the arena */
    uint32_t val;     /* offset of the value (NUL-terminated) */
    uint32_t val_len; /* bytes of the value */
    uint64_t line;
    bool list_item; /* one element of the list value of `key` */
} yentry;

typedef struct ytag {
    uint32_t first, n; /* its entries */
    uint64_t line;
    size_t offset;
} ytag;

typedef struct yline {
    size_t start, end; /* of the text, without the line break (and without a '\r') */
    size_t indent;
    uint64_t no;
    bool has;
} yline;

typedef struct yparser {
    const char *t;
    size_t len;
    size_t pos;      /* start of the next physical line */
    uint64_t lineno; /* number of the next physical line */
    ct_buf arena;
    yentry *ents;
    size_t n_ents, cap_ents;
    ytag *tags;
    size_t n_tags, cap_tags;
    ct_error *err;
    const char *reason; /* of the errors; NULL: "tagpack-yaml" */
} yparser;

static int yfail(yparser *p, uint64_t line, const char *what)
{
    return ct_fail(p->err, CT_ECORRUPT, p->reason ? p->reason : "tagpack-yaml", "line %llu: %s",
                   (unsigned long long)line, what);
}

/* Reads the physical line at p->pos without consuming it. */
static yline phys(const yparser *p)
{
    yline l = {0, 0, 0, p->lineno, false};
    if (p->pos >= p->len)
        return l;
    const char *nl = memchr(p->t + p->pos, '\n', p->len - p->pos);
    l.start = p->pos;
    l.end = nl ? (size_t)(nl - p->t) : p->len;
    if (l.end > l.start && p->t[l.end - 1] == '\r')
        l.end--;
    while (l.start + l.indent < l.end && p->t[l.start + l.indent] == ' ')
        l.indent++;
    l.has = true;
    return l;
}

static void consume(yparser *p)
{
    const char *nl = memchr(p->t + p->pos, '\n', p->len - p->pos);
    p->pos = nl ? (size_t)(nl - p->t) + 1 : p->len;
    if (nl) /* the end of a file without a final newline is on its last line */
        p->lineno++;
}

static bool blank_or_comment(const yparser *p, const yline *l)
{
    size_t i = l->start + l->indent;
    while (i < l->end && (p->t[i] == ' ' || p->t[i] == '\t'))
        i++;
    return i == l->end || p->t[i] == '#';
}

/* The next line with content (blank and comment lines are consumed). */
static int peek(yparser *p, yline *out)
{
    for (;;) {
        yline l = phys(p);
        if (!l.has) {
            *out = l;
            return CT_OK;
        }
        if (blank_or_comment(p, &l)) {
            consume(p);
            continue;
        }
        if (l.start + l.indent < l.end && p->t[l.start + l.indent] == '\t')
            return yfail(p, l.no, "tab in indentation");
        *out = l;
        return CT_OK;
    }
}

static bool is_dash(const yparser *p, const yline *l)
{
    size_t i = l->start + l->indent;
    return i < l->end && p->t[i] == '-' && (i + 1 == l->end || p->t[i + 1] == ' ');
}

static int arena_put(yparser *p, const char *s, size_t n, uint32_t *off)
{
    if (p->arena.len > UINT32_MAX - n - 1)
        return ct_fail(p->err, CT_ENOMEM, "out-of-memory", "TagPack too large");
    *off = (uint32_t)p->arena.len;
    int rc = ct_buf_append(&p->arena, s, n);
    if (rc == CT_OK)
        rc = ct_buf_putc(&p->arena, '\0');
    return rc ? ct_fail(p->err, rc, "out-of-memory", "TagPack") : CT_OK;
}

static const char *astr(const yparser *p, uint32_t off)
{
    return (const char *)p->arena.data + off;
}

/* Reads a key at t[i..end): [A-Za-z0-9_.-]+ ':' (space or end). Sets *after past ':'. */
static bool read_key(const yparser *p, size_t i, size_t end, size_t *klen, size_t *after)
{
    size_t k = i;
    while (k < end && ((p->t[k] >= 'a' && p->t[k] <= 'z') || (p->t[k] >= 'A' && p->t[k] <= 'Z') ||
                       (p->t[k] >= '0' && p->t[k] <= '9') || p->t[k] == '_' || p->t[k] == '-' ||
                       p->t[k] == '.'))
        k++;
    if (k == i || k >= end + 1 || k == end || p->t[k] != ':')
        return false;
    if (k + 1 < end && p->t[k + 1] != ' ')
        return false;
    *klen = k - i;
    *after = k + 1;
    return true;
}

/* Appends the UTF-8 form of a code point. */
static int put_cp(ct_buf *b, unsigned long cp)
{
    uint8_t u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (uint8_t)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (uint8_t)(0xc0 | cp >> 6);
        u[1] = (uint8_t)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (uint8_t)(0xe0 | cp >> 12);
        u[1] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
        u[2] = (uint8_t)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        u[0] = (uint8_t)(0xf0 | cp >> 18);
        u[1] = (uint8_t)(0x80 | (cp >> 12 & 0x3f));
        u[2] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
        u[3] = (uint8_t)(0x80 | (cp & 0x3f));
        n = 4;
    }
    return ct_buf_append(b, u, n);
}

/* A quoted scalar starting at t[i] (the quote) on line l, possibly over several lines.
 * Leaves the parser after the line holding the closing quote. */
static int quoted(yparser *p, yline l, size_t i, ct_buf *out)
{
    char q = p->t[i];
    uint64_t first = l.no;
    int rc = CT_OK;
    i++;
    for (;;) {
        /* within line l, from i */
        while (i < l.end) {
            char c = p->t[i];
            if (c == q) {
                if (q == '\'' && i + 1 < l.end && p->t[i + 1] == '\'') {
                    rc = ct_buf_putc(out, '\'');
                    i += 2;
                    if (rc)
                        return rc;
                    continue;
                }
                /* closed: only spaces and a comment may follow */
                i++;
                while (i < l.end && p->t[i] == ' ')
                    i++;
                if (i < l.end && p->t[i] != '#')
                    return yfail(p, l.no, "text after a quoted value");
                consume(p);
                return CT_OK;
            }
            if (q == '"' && c == '\\') {
                if (i + 1 >= l.end) { /* escaped line break: join without a space */
                    i = l.end;
                    goto next_line_joined;
                }
                char e = p->t[i + 1];
                unsigned long cp = 0;
                int hex = 0;
                switch (e) {
                case '"':
                case '\\':
                case '/':
                    rc = ct_buf_putc(out, e);
                    break;
                case 'n':
                    rc = ct_buf_putc(out, '\n');
                    break;
                case 't':
                    rc = ct_buf_putc(out, '\t');
                    break;
                case 'r':
                    rc = ct_buf_putc(out, '\r');
                    break;
                case ' ':
                    rc = ct_buf_putc(out, ' ');
                    break;
                case 'x':
                    hex = 2;
                    break;
                case 'u':
                    hex = 4;
                    break;
                case 'U':
                    hex = 8;
                    break;
                default:
                    return yfail(p, l.no, "unsupported escape in a double-quoted value");
                }
                if (rc)
                    return rc;
                i += 2;
                if (hex) {
                    if (l.end - i < (size_t)hex)
                        return yfail(p, l.no, "short hex escape");
                    for (int k = 0; k < hex; k++) {
                        int h = ct_hex_digit((unsigned char)p->t[i + (size_t)k]);
                        if (h < 0)
                            return yfail(p, l.no, "bad hex escape");
                        cp = cp << 4 | (unsigned long)h;
                    }
                    if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
                        return yfail(p, l.no, "escape of NUL, a surrogate or beyond U+10FFFF");
                    if ((rc = put_cp(out, cp)))
                        return rc;
                    i += (size_t)hex;
                }
                continue;
            }
            if ((rc = ct_buf_putc(out, c)))
                return rc;
            i++;
        }
        /* line break inside the scalar: trailing spaces go, then fold */
        while (out->len && (out->data[out->len - 1] == ' ' || out->data[out->len - 1] == '\t'))
            out->len--;
        {
            unsigned blanks = 0;
            consume(p);
            for (;;) {
                l = phys(p);
                if (!l.has)
                    return yfail(p, first, "quoted value without its closing quote");
                size_t k = l.start;
                while (k < l.end && (p->t[k] == ' ' || p->t[k] == '\t'))
                    k++;
                if (k < l.end) {
                    i = k;
                    break;
                }
                blanks++;
                consume(p);
            }
            if (blanks == 0)
                rc = ct_buf_putc(out, ' ');
            for (unsigned b = 0; b < blanks && rc == CT_OK; b++)
                rc = ct_buf_putc(out, '\n');
            if (rc)
                return rc;
            continue;
        }
    next_line_joined:
        consume(p);
        l = phys(p);
        if (!l.has)
            return yfail(p, first, "quoted value without its closing quote");
        i = l.start;
        while (i < l.end && (p->t[i] == ' ' || p->t[i] == '\t'))
            i++;
    }
}

/* The scalar starting at t[i] on line l (the rest of the line for a plain one). `col` is the
 * column of its key: a next line indented deeper would continue a plain scalar, which is
 * not supported. */
static int scalar(yparser *p, yline l, size_t i, size_t col, uint32_t *off, uint32_t *len)
{
    ct_buf v;
    int rc;
    ct_buf_init(&v, (size_t)1 << 20);
    while (i < l.end && p->t[i] == ' ')
        i++;
    if (i < l.end && (p->t[i] == '\'' || p->t[i] == '"')) {
        rc = quoted(p, l, i, &v);
    } else {
        size_t e = i;
        while (e < l.end &&
               !(p->t[e] == '#' && (e == i || p->t[e - 1] == ' ' || p->t[e - 1] == '\t')))
            e++;
        while (e > i && (p->t[e - 1] == ' ' || p->t[e - 1] == '\t'))
            e--;
        char c0 = i < e ? p->t[i] : ' ';
        rc = CT_OK;
        if (strchr("[]{}&*!|>%@`", c0) && c0 != ' ')
            rc = yfail(p, l.no,
                       "unsupported YAML (flow collection, block scalar, anchor, alias, tag "
                       "or reserved indicator)");
        for (size_t k = i; rc == CT_OK && k < e; k++)
            if (p->t[k] == ':' && (k + 1 == e || p->t[k + 1] == ' '))
                rc = yfail(p, l.no, "':' in a plain value (a nested mapping?): quote the value");
        if (rc == CT_OK)
            rc = ct_buf_append(&v, p->t + i, e - i);
        if (rc == CT_OK) {
            yline n;
            consume(p);
            if ((rc = peek(p, &n)) == CT_OK && n.has && n.indent > col && !is_dash(p, &n))
                rc = yfail(p, n.no, "a value continued on the next line: quote multi-line values");
        }
    }
    if (rc == CT_ENOMEM && v.toobig) /* the bound, not the memory: say so */
        rc = yfail(p, l.no, "a value over 1 MiB");
    else if (rc == CT_ENOMEM && p->err && p->err->code == CT_OK)
        rc = ct_fail(p->err, CT_ENOMEM, "out-of-memory", "line %llu: a TagPack value",
                     (unsigned long long)l.no);
    /* v.data is NULL after an empty quoted value ('' or ""): nothing was appended */
    if (rc == CT_OK && v.len && memchr(v.data, '\0', v.len))
        rc = yfail(p, l.no, "NUL in a value");
    if (rc == CT_OK)
        rc = arena_put(p, (const char *)v.data, v.len, off);
    *len = (uint32_t)v.len;
    ct_buf_release(&v);
    return rc;
}

static int add_entry(yparser *p, int32_t tag, uint32_t key, uint32_t val, uint32_t vlen,
                     uint64_t line, bool list_item)
{
    if (p->n_ents == p->cap_ents) {
        size_t cap = p->cap_ents ? p->cap_ents * 2 : 256;
        yentry *ne = realloc(p->ents, cap * sizeof(*ne));
        if (!ne)
            return ct_fail(p->err, CT_ENOMEM, "out-of-memory", "TagPack");
        p->ents = ne;
        p->cap_ents = cap;
    }
    p->ents[p->n_ents++] = (yentry){tag, key, val, vlen, line, list_item};
    return CT_OK;
}

/* Refuses a key already set in the same mapping (entries of `tag` from `first` on). */
static int check_dup(yparser *p, int32_t tag, size_t first, const char *key, size_t klen,
                     uint64_t line)
{
    for (size_t i = first; i < p->n_ents; i++) {
        const char *k = astr(p, p->ents[i].key);
        if (p->ents[i].tag == tag && strlen(k) == klen && memcmp(k, key, klen) == 0) {
            char what[96];
            snprintf(what, sizeof(what), "duplicate key '%.*s'", (int)(klen > 40 ? 40 : klen), key);
            return yfail(p, line, what);
        }
    }
    return CT_OK;
}

/* The next item of a block list of scalars at column e: *more false past its end; else the
 * item's line *n and *i its first character after "- ". A mapping as an item is refused. */
static int list_item(yparser *p, size_t e, yline *n, size_t *i, bool *more)
{
    int rc;
    *more = false;
    if ((rc = peek(p, n)))
        return rc;
    if (!n->has || n->indent != e || !is_dash(p, n))
        return CT_OK;
    size_t k = n->start + n->indent + 1, klen, after;
    while (k < n->end && p->t[k] == ' ')
        k++;
    if (read_key(p, k, n->end, &klen, &after))
        return yfail(p, n->no, "mappings inside a list value are not supported");
    *i = k;
    *more = true;
    return CT_OK;
}

/* `key:` then a list of scalars at indent e. */
static int scalar_list(yparser *p, int32_t tag, uint32_t key, size_t e)
{
    yline n;
    size_t i = 0;
    bool more;
    int rc;
    while ((rc = list_item(p, e, &n, &i, &more)) == CT_OK && more) {
        uint32_t val, vlen;
        if ((rc = scalar(p, n, i, e, &val, &vlen)) ||
            (rc = add_entry(p, tag, key, val, vlen, n.no, true)))
            return rc;
    }
    if (rc)
        return rc;
    if (n.has && n.indent > e)
        return yfail(p, n.no, "unexpected indentation");
    return CT_OK;
}

/* One `key: value` (or `key:` + list) of a mapping whose keys sit at column col; the key
 * starts at t[i] on line l (not yet consumed). first: the mapping's first entry. */
static int entry(yparser *p, int32_t tag, yline l, size_t i, size_t col, size_t first)
{
    size_t klen, after;
    uint32_t key = 0, val = 0, vlen = 0;
    int rc;
    if (!read_key(p, i, l.end, &klen, &after))
        return yfail(p, l.no, "expected 'key: value'");
    if ((rc = check_dup(p, tag, first, p->t + i, klen, l.no)) ||
        (rc = arena_put(p, p->t + i, klen, &key)))
        return rc;
    size_t v = after;
    while (v < l.end && p->t[v] == ' ')
        v++;
    if (v < l.end && p->t[v] != '#') {
        if ((rc = scalar(p, l, v, col, &val, &vlen)))
            return rc;
        return add_entry(p, tag, key, val, vlen, l.no, false);
    }
    consume(p); /* `key:` alone: a list follows, or the value is null */
    yline n;
    if ((rc = peek(p, &n)))
        return rc;
    if (n.has && is_dash(p, &n) && n.indent >= col) {
        if (tag < 0 && strcmp(astr(p, key), "tags") == 0)
            return CT_OK; /* the caller reads the tags */
        return scalar_list(p, tag, key, n.indent);
    }
    if (n.has && n.indent > col)
        return yfail(p, n.no, "nested mappings are not supported");
    if (tag < 0 && strcmp(astr(p, key), "tags") == 0)
        return CT_OK;                                          /* an empty tags: */
    return add_entry(p, tag, key, UINT32_MAX, 0, l.no, false); /* null */
}

static int tags(yparser *p, size_t d)
{
    yline n;
    int rc;
    for (;;) {
        if ((rc = peek(p, &n)))
            return rc;
        if (!n.has || n.indent != d || !is_dash(p, &n))
            break;
        if (p->n_tags == p->cap_tags) {
            size_t cap = p->cap_tags ? p->cap_tags * 2 : 256;
            ytag *nt = realloc(p->tags, cap * sizeof(*nt));
            if (!nt)
                return ct_fail(p->err, CT_ENOMEM, "out-of-memory", "TagPack");
            p->tags = nt;
            p->cap_tags = cap;
        }
        int32_t t = (int32_t)p->n_tags;
        ytag *tg = &p->tags[p->n_tags++];
        size_t first = p->n_ents;
        tg->first = (uint32_t)first;
        tg->line = n.no;
        tg->offset = n.start;
        size_t i = n.start + n.indent + 1;
        while (i < n.end && p->t[i] == ' ')
            i++;
        size_t col;
        if (i == n.end || p->t[i] == '#') {
            consume(p); /* "-" alone: the mapping starts on the next line */
            if ((rc = peek(p, &n)))
                return rc;
            if (!n.has || n.indent <= d || is_dash(p, &n))
                return yfail(p, tg->line, "a tag must be a mapping");
            col = n.indent;
            i = n.start + n.indent;
        } else {
            col = i - n.start;
        }
        if (!read_key(p, i, n.end, &(size_t){0}, &(size_t){0}))
            return yfail(p, n.no, "a tag must be a mapping (- key: value)");
        if ((rc = entry(p, t, n, i, col, first)))
            return rc;
        for (;;) {
            if ((rc = peek(p, &n)))
                return rc;
            if (!n.has || n.indent != col || is_dash(p, &n))
                break;
            if ((rc = entry(p, t, n, n.start + n.indent, col, first)))
                return rc;
        }
        p->tags[t].n = (uint32_t)(p->n_ents - first);
        if (n.has && n.indent > d)
            return yfail(p, n.no, "unexpected indentation");
    }
    return CT_OK;
}

static int parse(yparser *p)
{
    yline l;
    int rc;
    bool started = false, seen_tags = false;
    if (p->len >= 3 && memcmp(p->t, "\xef\xbb\xbf", 3) == 0)
        p->pos = 3;
    for (;;) {
        if ((rc = peek(p, &l)))
            return rc;
        if (!l.has)
            return CT_OK;
        const char *s = p->t + l.start;
        size_t n = l.end - l.start;
        if (!started && l.indent == 0 && n >= 5 && memcmp(s, "%YAML", 5) == 0) {
            consume(p);
            continue;
        }
        if (!started && l.indent == 0 && n >= 3 && memcmp(s, "---", 3) == 0 &&
            (n == 3 || s[3] == ' ')) {
            started = true;
            consume(p);
            continue;
        }
        started = true;
        if (l.indent != 0)
            return yfail(p, l.no, "unexpected indentation");
        if (is_dash(p, &l))
            return yfail(p, l.no, "a TagPack is a mapping, not a list");
        if (n >= 3 && (memcmp(s, "---", 3) == 0 || memcmp(s, "...", 3) == 0))
            return yfail(p, l.no, "only one YAML document per file");
        size_t klen, after;
        bool is_tags =
            read_key(p, l.start, l.end, &klen, &after) && klen == 4 && memcmp(s, "tags", 4) == 0;
        if (is_tags && seen_tags)
            return yfail(p, l.no, "duplicate key 'tags'");
        if ((rc = entry(p, -1, l, l.start, 0, 0)))
            return rc;
        if (is_tags) {
            seen_tags = true;
            yline d;
            if ((rc = peek(p, &d)))
                return rc;
            if (d.has && is_dash(p, &d) && (rc = tags(p, d.indent)))
                return rc;
        }
    }
}

/* ---- tags to rows ---- */
typedef struct fields {
    const char *v[8];
} fields;

enum { F_ADDRESS, F_LABEL, F_CATEGORY, F_ABUSE, F_CURRENCY, F_CONFIDENCE, F_SOURCE, F_TITLE };
static const char *const field_names[] = {"address",  "label",      "category", "abuse",
                                          "currency", "confidence", "source",   "title"};

/* The fields set by the entries of `tag` among [first, first+n). */
static void collect(const yparser *p, int32_t tag, size_t first, size_t n, fields *f)
{
    for (size_t i = first; i < first + n; i++) {
        const yentry *e = &p->ents[i];
        if (e->tag != tag || e->list_item || e->val == UINT32_MAX)
            continue;
        const char *k = astr(p, e->key);
        for (int j = 0; j < 8; j++)
            if (strcmp(k, field_names[j]) == 0)
                f->v[j] = astr(p, e->val);
    }
}

/* The categories of the concepts lists of `tag` among entries [first, first+n). */
static ct_label_category concepts(const yparser *p, int32_t tag, size_t first, size_t n, bool *any)
{
    ct_label_category c = CT_LABEL_OTHER;
    *any = false;
    for (size_t i = first; i < first + n; i++) {
        const yentry *e = &p->ents[i];
        if (e->tag == tag && e->list_item && strcmp(astr(p, e->key), "concepts") == 0) {
            *any = true;
            c = ct_label_category_max(c, ct_label_category_normalize(astr(p, e->val)));
        }
    }
    return c;
}

/* Refuses text that is not UTF-8, naming the first bad line. */
static int utf8_check(yparser *p)
{
    if (ct_labels_utf8_ok(p->t, p->len))
        return CT_OK;
    size_t lo = 0;
    uint64_t line = 1;
    for (size_t i = 0; i <= p->len; i++)
        if (i == p->len || p->t[i] == '\n') {
            if (!ct_labels_utf8_ok(p->t + lo, i - lo))
                break;
            lo = i + 1;
            line++;
        }
    return yfail(p, line, "invalid UTF-8");
}

int ct_labels_read_tagpack(ct_labels_sink *s, const ct_labels_file *f, ct_error *err)
{
    yparser p;
    int rc;
    memset(&p, 0, sizeof(p));
    p.t = f->text;
    p.len = f->len;
    p.lineno = 1;
    p.err = err;
    ct_buf_init(&p.arena, (size_t)1 << 31);
    if ((rc = utf8_check(&p)))
        goto out;
    if ((rc = parse(&p)))
        goto out;
    /* the header: entries of tag -1, before or after the tags */
    fields hdr = {{NULL}};
    collect(&p, -1, 0, p.n_ents, &hdr);
    bool hany;
    ct_label_category hconcepts = concepts(&p, -1, 0, p.n_ents, &hany);

    if (hdr.v[F_TITLE] && hdr.v[F_TITLE][0])
        ct_labels_sink_set_source(s, hdr.v[F_TITLE]);
    else if (hdr.v[F_SOURCE] && hdr.v[F_SOURCE][0])
        ct_labels_sink_set_source(s, hdr.v[F_SOURCE]);
    ct_labels_sink_set_confidence(s, 50);

    for (size_t t = 0; t < p.n_tags; t++) {
        const ytag *tg = &p.tags[t];
        fields tf = hdr;
        tf.v[F_TITLE] = NULL;
        tf.v[F_ADDRESS] = NULL;
        collect(&p, (int32_t)t, tg->first, tg->n, &tf);
        bool any;
        ct_label_category cc = concepts(&p, (int32_t)t, tg->first, tg->n, &any);
        if (!any)
            cc = hconcepts;
        ct_label_row r;
        memset(&r, 0, sizeof(r));
        r.line = tg->line;
        r.offset = tg->offset;
        r.address = tf.v[F_ADDRESS];
        r.label = tf.v[F_LABEL] ? tf.v[F_LABEL] : hdr.v[F_TITLE];
        r.asset = tf.v[F_CURRENCY];
        r.reference = tf.v[F_SOURCE];
        r.category = ct_label_category_max(
            ct_label_category_max(ct_label_category_normalize(tf.v[F_CATEGORY]),
                                  ct_label_category_normalize(tf.v[F_ABUSE])),
            cc);
        r.confidence = -1;
        if (!r.address) {
            if ((rc = ct_labels_sink_reject(s, tg->line, tg->offset, "empty-address",
                                            "a tag without an address")))
                goto out;
            continue;
        }
        if (tf.v[F_CONFIDENCE] && tf.v[F_CONFIDENCE][0] &&
            ct_labels_parse_confidence(tf.v[F_CONFIDENCE], &r.confidence) != CT_OK) {
            if ((rc = ct_labels_sink_reject(s, tg->line, tg->offset, "bad-confidence",
                                            "confidence '%.40s' is not 0-100 nor a known word",
                                            tf.v[F_CONFIDENCE])))
                goto out;
            continue;
        }
        if ((rc = ct_labels_sink_row(s, &r)))
            goto out;
    }
    rc = CT_OK;
out:
    ct_buf_release(&p.arena);
    free(p.ents);
    free(p.tags);
    return rc;
}

/* ---- the subset with nested mappings, as JSON (yaml.h) ---- */
typedef struct yjson {
    yparser *p;
    ct_buf *out;
    ct_yaml_pos *pos;
    size_t n_pos, cap_pos;
    uint32_t *keys; /* arena offsets of the keys of the mappings being read */
    size_t n_keys, cap_keys;
} yjson;

/* The next token of the JSON text comes from line, col. */
static int ypos(yjson *y, uint64_t line, size_t col)
{
    if (y->n_pos == y->cap_pos) {
        size_t cap = y->cap_pos ? y->cap_pos * 2 : 64;
        ct_yaml_pos *np = realloc(y->pos, cap * sizeof(*np));
        if (!np)
            return ct_fail(y->p->err, CT_ENOMEM, "out-of-memory", "YAML");
        y->pos = np;
        y->cap_pos = cap;
    }
    y->pos[y->n_pos++] = (ct_yaml_pos){y->out->len, line, (uint64_t)col};
    return CT_OK;
}

static int json_string(ct_buf *b, const char *s, size_t n)
{
    int rc = ct_buf_putc(b, '"');
    for (size_t i = 0; i < n && rc == CT_OK; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            if ((rc = ct_buf_putc(b, '\\')) == CT_OK)
                rc = ct_buf_putc(b, (char)c);
        } else if (c < 0x20 || c == 0x7f) {
            rc = ct_buf_printf(b, "\\u%04x", c);
        } else {
            rc = ct_buf_putc(b, (char)c);
        }
    }
    return rc ? rc : ct_buf_putc(b, '"');
}

/* -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static bool json_number(const char *s, size_t n)
{
    size_t i = 0;
    if (i < n && s[i] == '-')
        i++;
    if (i < n && s[i] == '0')
        i++;
    else if (i < n && s[i] >= '1' && s[i] <= '9')
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
    else
        return false;
    if (i < n && s[i] == '.') {
        size_t d = ++i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == d)
            return false;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        size_t d = i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == d)
            return false;
    }
    return i == n;
}

static bool one_of(const char *v, const char *const *words)
{
    for (; *words; words++)
        if (strcmp(v, *words) == 0)
            return true;
    return false;
}

/* The scalar at t[i] on line l (a value of a key at column col) as a JSON value. */
static int yjson_scalar(yjson *y, yline l, size_t i, size_t col)
{
    yparser *p = y->p;
    static const char *const nulls[] = {"", "~", "null", "Null", "NULL", NULL};
    static const char *const trues[] = {"true", "True", "TRUE", NULL};
    static const char *const falses[] = {"false", "False", "FALSE", NULL};
    bool quoted_value = p->t[i] == '\'' || p->t[i] == '"';
    uint32_t off, len;
    int rc;
    if ((rc = ypos(y, l.no, i - l.start + 1)) || (rc = scalar(p, l, i, col, &off, &len)))
        return rc;
    const char *v = astr(p, off);
    if (quoted_value)
        return json_string(y->out, v, len);
    if (one_of(v, nulls))
        return ct_buf_puts(y->out, "null");
    if (one_of(v, trues))
        return ct_buf_puts(y->out, "true");
    if (one_of(v, falses))
        return ct_buf_puts(y->out, "false");
    if (json_number(v, len))
        return ct_buf_append(y->out, v, len);
    return json_string(y->out, v, len);
}

/* `key:` then a block list of scalars at column e, as a JSON array. */
static int yjson_list(yjson *y, size_t e)
{
    yparser *p = y->p;
    yline n;
    size_t i = 0;
    bool first = true, more;
    int rc;
    if ((rc = peek(p, &n)) || (rc = ypos(y, n.no, n.indent + 1)) || (rc = ct_buf_putc(y->out, '[')))
        return rc;
    while ((rc = list_item(p, e, &n, &i, &more)) == CT_OK && more) {
        if (i == n.end || p->t[i] == '#')
            return yfail(p, n.no, "an empty list item");
        if ((!first && (rc = ct_buf_putc(y->out, ','))) || (rc = yjson_scalar(y, n, i, e)))
            return rc;
        first = false;
    }
    if (rc)
        return rc;
    if (n.has && n.indent > e)
        return yfail(p, n.no, "unexpected indentation");
    return ct_buf_putc(y->out, ']');
}

/* A block mapping whose keys sit at column col (its first key is the next line with
 * content), as a JSON object. depth: this mapping's, from 1. */
static int yjson_map(yjson *y, size_t col, unsigned depth)
{
    yparser *p = y->p;
    yline n;
    int rc;
    if (depth > CT_YAML_MAX_DEPTH) {
        if ((rc = peek(p, &n)) == CT_OK)
            rc = yfail(p, n.no, "mappings and lists nested deeper than 8 levels");
        return rc;
    }
    size_t kstart = y->n_keys;
    bool first = true;
    for (;;) {
        if ((rc = peek(p, &n)))
            return rc;
        if (!n.has || n.indent < col)
            break;
        if (n.indent > col)
            return yfail(p, n.no, "unexpected indentation");
        if (is_dash(p, &n))
            return yfail(p, n.no, "a list item where 'key: value' was expected");
        const char *s = p->t + n.start;
        if (n.end - n.start >= 3 && (memcmp(s, "---", 3) == 0 || memcmp(s, "...", 3) == 0))
            return yfail(p, n.no, "only one YAML document per file");
        size_t i = n.start + n.indent, klen, after;
        if (!read_key(p, i, n.end, &klen, &after))
            return yfail(p, n.no, "expected 'key: value'");
        for (size_t k = kstart; k < y->n_keys; k++) {
            const char *key = astr(p, y->keys[k]);
            if (strlen(key) == klen && memcmp(key, p->t + i, klen) == 0) {
                char what[96];
                snprintf(what, sizeof(what), "duplicate key '%.*s'", (int)(klen > 40 ? 40 : klen),
                         p->t + i);
                return yfail(p, n.no, what);
            }
        }
        if (y->n_keys == y->cap_keys) {
            size_t cap = y->cap_keys ? y->cap_keys * 2 : 64;
            uint32_t *nk = realloc(y->keys, cap * sizeof(*nk));
            if (!nk)
                return ct_fail(p->err, CT_ENOMEM, "out-of-memory", "YAML");
            y->keys = nk;
            y->cap_keys = cap;
        }
        if ((rc = arena_put(p, p->t + i, klen, &y->keys[y->n_keys])))
            return rc;
        y->n_keys++;
        if ((first && (rc = ypos(y, n.no, n.indent + 1))) ||
            (rc = ct_buf_putc(y->out, first ? '{' : ',')) || (rc = ypos(y, n.no, n.indent + 1)) ||
            (rc = json_string(y->out, p->t + i, klen)) || (rc = ct_buf_putc(y->out, ':')))
            return rc;
        first = false;
        size_t v = after;
        while (v < n.end && p->t[v] == ' ')
            v++;
        if (v < n.end && p->t[v] != '#') {
            if ((rc = yjson_scalar(y, n, v, col)))
                return rc;
            continue;
        }
        consume(p); /* `key:` alone: a list, a nested mapping, or null */
        yline m;
        if ((rc = peek(p, &m)))
            return rc;
        if (m.has && is_dash(p, &m) && m.indent >= col) {
            if (depth + 1 > CT_YAML_MAX_DEPTH)
                return yfail(p, m.no, "mappings and lists nested deeper than 8 levels");
            rc = yjson_list(y, m.indent);
        } else if (m.has && m.indent > col) {
            rc = yjson_map(y, m.indent, depth + 1);
        } else {
            rc = ypos(y, n.no, after - n.start + 1);
            if (rc == CT_OK)
                rc = ct_buf_puts(y->out, "null");
        }
        if (rc)
            return rc;
    }
    y->n_keys = kstart;
    return ct_buf_putc(y->out, '}');
}

int ct_yaml_to_json(ct_buf *json, ct_yaml_pos **pos, size_t *n_pos, const char *text, size_t len,
                    const char *reason, ct_error *err)
{
    yparser p;
    yjson y;
    memset(&p, 0, sizeof(p));
    memset(&y, 0, sizeof(y));
    p.t = text;
    p.len = len;
    p.lineno = 1;
    p.err = err;
    p.reason = reason;
    ct_buf_init(&p.arena, (size_t)1 << 31);
    y.p = &p;
    y.out = json;
    *pos = NULL;
    *n_pos = 0;
    int rc = utf8_check(&p);
    if (rc == CT_OK && len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
        p.pos = 3;
    yline l = {0};
    for (bool started = false; rc == CT_OK;) {
        if ((rc = peek(&p, &l)) || !l.has)
            break;
        const char *s = text + l.start;
        size_t n = l.end - l.start;
        if (!started && l.indent == 0 && n >= 5 && memcmp(s, "%YAML", 5) == 0) {
            consume(&p);
            continue;
        }
        if (!started && l.indent == 0 && n >= 3 && memcmp(s, "---", 3) == 0 &&
            (n == 3 || s[3] == ' ')) {
            started = true;
            consume(&p);
            continue;
        }
        break;
    }
    if (rc == CT_OK && !l.has)
        rc = yfail(&p, l.no, "no mapping: the file is empty");
    else if (rc == CT_OK && l.indent != 0)
        rc = yfail(&p, l.no, "unexpected indentation");
    else if (rc == CT_OK && is_dash(&p, &l))
        rc = yfail(&p, l.no, "a list where a mapping was expected");
    if (rc == CT_OK)
        rc = yjson_map(&y, 0, 1);
    if (rc == CT_ENOMEM && err && err->code == CT_OK)
        rc = ct_fail(err, CT_ENOMEM, "out-of-memory", "YAML");
    ct_buf_release(&p.arena);
    free(y.keys);
    if (rc != CT_OK) {
        free(y.pos);
        return rc;
    }
    *pos = y.pos;
    *n_pos = y.n_pos;
    return CT_OK;
}

void ct_yaml_pos_of(const ct_yaml_pos *pos, size_t n_pos, size_t off, uint64_t *line, uint64_t *col)
{
    size_t lo = 0, hi = n_pos; /* the first entry past off */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (pos[mid].json_off <= off)
            lo = mid + 1;
        else
            hi = mid;
    }
    *line = lo ? pos[lo - 1].line : 1;
    *col = lo ? pos[lo - 1].col : 1;
}
