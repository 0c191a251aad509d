/* The strict JSON parser (json.h): one iterative pass that validates RFC 8259 and writes the
 * tape of nodes; the duplicate-key check runs when an object closes (pairwise for small
 * objects, through a hash table of its keys for large ones, so it stays linear). String
 * scanning skips runs of plain ASCII through a lookup table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"

/* Bytes that end a run of plain string content: '"', '\\', controls, and non-ASCII. */
static const uint8_t str_special[256] = {
    ['"'] = 1, ['\\'] = 1,
#define R8(b)                                                                                      \
    [b] = 1, [b + 1] = 1, [b + 2] = 1, [b + 3] = 1, [b + 4] = 1, [b + 5] = 1, [b + 6] = 1,         \
    [b + 7] = 1
    R8(0x00),  R8(0x08),   R8(0x10), R8(0x18), R8(0x80), R8(0x88), R8(0x90),
    R8(0x98),  R8(0xa0),   R8(0xa8), R8(0xb0), R8(0xb8), R8(0xc0), R8(0xc8),
    R8(0xd0),  R8(0xd8),   R8(0xe0), R8(0xe8), R8(0xf0), R8(0xf8),
#undef R8
};

void ct_json_init(ct_json_doc *d)
{
    memset(d, 0, sizeof(*d));
    ct_buf_init(&d->key_a, CT_JSON_MAX_INPUT);
    ct_buf_init(&d->key_b, CT_JSON_MAX_INPUT);
}

void ct_json_release(ct_json_doc *d)
{
    free(d->nodes);
    free(d->slots);
    ct_buf_release(&d->key_a);
    ct_buf_release(&d->key_b);
    memset(d, 0, sizeof(*d));
}

size_t ct_json_bounded_nodes(size_t len)
{
    return len / CT_JSON_BYTES_PER_VALUE + 1024;
}

void ct_json_shrink(ct_json_doc *d)
{
    if (d->cap <= d->n + 256)
        return;
    uint32_t cap = d->n + 1;
    ct_json_node *nn = realloc(d->nodes, (size_t)cap * sizeof(*nn));
    if (nn) { /* else the larger array stays, which is no error */
        d->nodes = nn;
        d->cap = cap;
    }
}

void ct_json_line_col(const char *text, size_t len, size_t off, uint64_t *line, uint64_t *col)
{
    uint64_t l = 1;
    size_t start = 0;
    if (off > len)
        off = len;
    for (size_t i = 0; i < off; i++)
        if (text[i] == '\n') {
            l++;
            start = i + 1;
        }
    *line = l;
    *col = (uint64_t)(off - start) + 1;
}

typedef struct parser {
    ct_json_doc *d;
    const uint8_t *s;
    size_t len;
    size_t pos;
    size_t max_nodes;
    ct_error *err;
} parser;

static int fail_at(parser *p, size_t off, const char *reason, const char *what)
{
    uint64_t line, col;
    ct_json_line_col((const char *)p->s, p->len, off, &line, &col);
    int rc = ct_fail(p->err, CT_ECORRUPT, reason, "line %llu, column %llu: %s",
                     (unsigned long long)line, (unsigned long long)col, what);
    if (p->err)
        p->err->offset = off;
    return rc;
}

static int new_node(parser *p, uint8_t type, size_t off, uint32_t *out)
{
    ct_json_doc *d = p->d;
    if (p->max_nodes && d->n >= p->max_nodes)
        return ct_fail(p->err, CT_ENOMEM, "json-too-big", "more than %zu values", p->max_nodes);
    if (d->n == d->cap) {
        uint32_t cap = d->cap ? d->cap : 256;
        if (cap > UINT32_MAX / 2)
            return ct_fail(p->err, CT_ENOMEM, "json-too-big", "too many values");
        cap *= 2;
        if (p->max_nodes && cap > p->max_nodes) /* never more memory than the bound needs */
            cap = (uint32_t)(p->max_nodes > d->n + 256u ? p->max_nodes : d->n + 256u);
        ct_json_node *nn = realloc(d->nodes, (size_t)cap * sizeof(*nn));
        if (!nn)
            return ct_fail(p->err, CT_ENOMEM, "out-of-memory", "JSON document of %zu bytes",
                           p->len);
        d->nodes = nn;
        d->cap = cap;
    }
    ct_json_node *nd = &d->nodes[d->n];
    nd->type = type;
    nd->flags = 0;
    nd->off = (uint32_t)off;
    nd->len = 0;
    nd->count = 0;
    nd->next = d->n + 1;
    *out = d->n++;
    return CT_OK;
}

static void skip_ws(parser *p)
{
    const uint8_t *s = p->s;
    size_t i = p->pos, n = p->len;
    while (i < n && (s[i] == ' ' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t'))
        i++;
    p->pos = i;
}

static int hexval4(const uint8_t *s, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        int h = ct_hex_digit(s[i]);
        if (h < 0)
            return -1;
        v = v << 4 | (unsigned)h;
    }
    *out = v;
    return 0;
}

/* Length of the valid UTF-8 sequence at s[0..avail), or 0 when it is not one. */
static size_t utf8_seq(const uint8_t *s, size_t avail)
{
    uint8_t c = s[0];
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        return avail >= 2 && (s[1] & 0xc0) == 0x80 ? 2 : 0;
    if (c >= 0xe0 && c <= 0xef) {
        if (avail < 3 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
            return 0;
        if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] >= 0xa0))
            return 0; /* overlong, or a UTF-16 surrogate encoded in UTF-8 */
        return 3;
    }
    if (c >= 0xf0 && c <= 0xf4) {
        if (avail < 4 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80)
            return 0;
        if ((c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] >= 0x90))
            return 0; /* overlong, or above U+10FFFF */
        return 4;
    }
    return 0;
}

/* p->pos is at the opening quote. */
static int parse_string(parser *p, uint32_t *out)
{
    const uint8_t *s = p->s;
    size_t n = p->len, i = p->pos + 1;
    uint8_t flags = 0;
    uint32_t idx;
    int rc;
    for (;;) {
        while (i < n && !str_special[s[i]])
            i++;
        if (i >= n)
            return fail_at(p, p->pos, "json-syntax", "string without its closing quote");
        uint8_t c = s[i];
        if (c == '"')
            break;
        if (c == '\\') {
            flags = CT_JSON_ESCAPED;
            if (i + 1 >= n)
                return fail_at(p, i, "json-escape", "backslash at the end of the input");
            uint8_t e = s[i + 1];
            if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' || e == 'r' ||
                e == 't') {
                i += 2;
                continue;
            }
            if (e != 'u')
                return fail_at(p, i, "json-escape", "unknown escape sequence");
            unsigned u, lo;
            if (i + 6 > n || hexval4(s + i + 2, &u) != 0)
                return fail_at(p, i, "json-escape", "\\u needs four hex digits");
            if (u >= 0xdc00 && u <= 0xdfff)
                return fail_at(p, i, "json-surrogate", "lone low surrogate escape");
            if (u >= 0xd800 && u <= 0xdbff) {
                if (i + 12 > n || s[i + 6] != '\\' || s[i + 7] != 'u' ||
                    hexval4(s + i + 8, &lo) != 0 || lo < 0xdc00 || lo > 0xdfff)
                    return fail_at(p, i, "json-surrogate",
                                   "high surrogate escape not followed by a low surrogate");
                i += 12;
                continue;
            }
            i += 6;
            continue;
        }
        if (c < 0x20)
            return fail_at(p, i, "json-control", "control character in a string");
        size_t k = utf8_seq(s + i, n - i);
        if (k == 0)
            return fail_at(p, i, "json-utf8", "invalid UTF-8");
        i += k;
    }
    if ((rc = new_node(p, CT_JSON_STRING, p->pos + 1, &idx)))
        return rc;
    p->d->nodes[idx].len = (uint32_t)(i - p->pos - 1);
    p->d->nodes[idx].flags = flags;
    p->pos = i + 1;
    *out = idx;
    return CT_OK;
}

static int parse_number(parser *p)
{
    const uint8_t *s = p->s;
    size_t n = p->len, i = p->pos, start = p->pos;
    uint32_t idx;
    int rc;
    if (s[i] == '-')
        i++;
    if (i >= n || s[i] < '0' || s[i] > '9')
        return fail_at(p, start, "json-number", "a number needs digits");
    if (s[i] == '0') {
        i++;
        if (i < n && s[i] >= '0' && s[i] <= '9')
            return fail_at(p, start, "json-number", "leading zero in a number");
    } else {
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
    }
    if (i < n && s[i] == '.') {
        i++;
        if (i >= n || s[i] < '0' || s[i] > '9')
            return fail_at(p, start, "json-number", "a fraction needs digits after '.'");
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        if (i >= n || s[i] < '0' || s[i] > '9')
            return fail_at(p, start, "json-number", "an exponent needs digits");
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
    }
    if ((rc = new_node(p, CT_JSON_NUMBER, start, &idx)))
        return rc;
    p->d->nodes[idx].len = (uint32_t)(i - start);
    p->pos = i;
    return CT_OK;
}

static int parse_literal(parser *p)
{
    static const struct {
        const char *text;
        size_t len;
        uint8_t type;
    } lits[] = {{"true", 4, CT_JSON_TRUE}, {"false", 5, CT_JSON_FALSE}, {"null", 4, CT_JSON_NULL}};
    for (size_t k = 0; k < 3; k++) {
        if (p->len - p->pos >= lits[k].len &&
            memcmp(p->s + p->pos, lits[k].text, lits[k].len) == 0) {
            uint32_t idx;
            int rc = new_node(p, lits[k].type, p->pos, &idx);
            if (rc)
                return rc;
            p->d->nodes[idx].len = (uint32_t)lits[k].len;
            p->pos += lits[k].len;
            return CT_OK;
        }
    }
    return fail_at(p, p->pos, "json-syntax", "expected a value");
}

/* ---- string decoding ---- */
static int put_utf8(ct_buf *out, unsigned cp)
{
    uint8_t b[4];
    size_t n;
    if (cp < 0x80) {
        b[0] = (uint8_t)cp;
        n = 1;
    } else if (cp < 0x800) {
        b[0] = (uint8_t)(0xc0 | cp >> 6);
        b[1] = (uint8_t)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        b[0] = (uint8_t)(0xe0 | cp >> 12);
        b[1] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
        b[2] = (uint8_t)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        b[0] = (uint8_t)(0xf0 | cp >> 18);
        b[1] = (uint8_t)(0x80 | (cp >> 12 & 0x3f));
        b[2] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
        b[3] = (uint8_t)(0x80 | (cp & 0x3f));
        n = 4;
    }
    return ct_buf_append(out, b, n);
}

/* Decodes validated string text (escapes known to be well formed). */
static int decode_text(const uint8_t *s, size_t n, ct_buf *out)
{
    size_t i = 0;
    int rc;
    ct_buf_reset(out);
    if ((rc = ct_buf_reserve(out, n)))
        return rc;
    while (i < n) {
        size_t j = i;
        while (j < n && s[j] != '\\')
            j++;
        if (j > i && (rc = ct_buf_append(out, s + i, j - i)))
            return rc;
        if (j >= n)
            break;
        uint8_t e = s[j + 1];
        char c;
        unsigned u, lo;
        i = j + 2;
        switch (e) {
        case 'b':
            c = '\b';
            break;
        case 'f':
            c = '\f';
            break;
        case 'n':
            c = '\n';
            break;
        case 'r':
            c = '\r';
            break;
        case 't':
            c = '\t';
            break;
        case 'u':
            if (hexval4(s + j + 2, &u) != 0)
                return CT_EINVAL;
            i = j + 6;
            if (u >= 0xd800 && u <= 0xdbff) {
                if (hexval4(s + j + 8, &lo) != 0)
                    return CT_EINVAL;
                u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
                i = j + 12;
            }
            if ((rc = put_utf8(out, u)))
                return rc;
            continue;
        default: /* '"', '\\', '/' */
            c = (char)e;
        }
        if ((rc = ct_buf_putc(out, c)))
            return rc;
    }
    return CT_OK;
}

int ct_json_string(const ct_json_doc *d, uint32_t i, ct_buf *out)
{
    const ct_json_node *nd = &d->nodes[i];
    if (nd->type != CT_JSON_STRING)
        return CT_EINVAL;
    const uint8_t *s = (const uint8_t *)d->text + nd->off;
    if (!(nd->flags & CT_JSON_ESCAPED)) {
        ct_buf_reset(out);
        return ct_buf_append(out, s, nd->len);
    }
    return decode_text(s, nd->len, out);
}

bool ct_json_string_is(const ct_json_doc *d, uint32_t i, const char *str)
{
    const ct_json_node *nd = &d->nodes[i];
    size_t n = strlen(str);
    if (nd->type != CT_JSON_STRING)
        return false;
    if (!(nd->flags & CT_JSON_ESCAPED))
        return nd->len == n && memcmp(d->text + nd->off, str, n) == 0;
    /* Rare (keys looked up are plain): decode to compare. */
    ct_buf dec;
    ct_buf_init(&dec, 1u << 20);
    bool eq = decode_text((const uint8_t *)d->text + nd->off, nd->len, &dec) == CT_OK &&
              dec.len == n && memcmp(dec.data, str, n) == 0;
    ct_buf_release(&dec);
    return eq;
}

/* ---- duplicate keys ---- */
static uint64_t hash_bytes(const uint8_t *p, size_t n)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 1099511628211ull;
    }
    return h;
}

/* Points p and n at the decoded text of key k (decoding into buf when escaped). */
static int key_text(ct_json_doc *d, uint32_t k, ct_buf *buf, const uint8_t **p, size_t *n)
{
    const ct_json_node *nd = &d->nodes[k];
    if (!(nd->flags & CT_JSON_ESCAPED)) {
        *p = (const uint8_t *)d->text + nd->off;
        *n = nd->len;
        return CT_OK;
    }
    int rc = decode_text((const uint8_t *)d->text + nd->off, nd->len, buf);
    *p = buf->data;
    *n = buf->len;
    return rc;
}

static int keys_equal(ct_json_doc *d, uint32_t a, uint32_t b, bool *eq)
{
    const uint8_t *pa, *pb;
    size_t na, nb;
    int rc;
    const ct_json_node *x = &d->nodes[a], *y = &d->nodes[b];
    if (!((x->flags | y->flags) & CT_JSON_ESCAPED)) {
        *eq = x->len == y->len && memcmp(d->text + x->off, d->text + y->off, x->len) == 0;
        return CT_OK;
    }
    if ((rc = key_text(d, a, &d->key_a, &pa, &na)) || (rc = key_text(d, b, &d->key_b, &pb, &nb)))
        return rc;
    *eq = na == nb && memcmp(pa, pb, na) == 0;
    return CT_OK;
}

static int dup_found(parser *p, uint32_t key)
{
    char what[160];
    const ct_json_node *nd = &p->d->nodes[key];
    int shown = nd->len > 60 ? 60 : (int)nd->len;
    snprintf(what, sizeof(what), "duplicate key \"%.*s%s\"", shown, p->d->text + nd->off,
             nd->len > 60 ? "..." : "");
    return fail_at(p, nd->off - 1, "json-duplicate-key", what);
}

static int check_duplicates(parser *p, uint32_t obj)
{
    ct_json_doc *d = p->d;
    uint32_t m = d->nodes[obj].count;
    int rc;
    bool eq;
    if (m < 2)
        return CT_OK;
    if (m <= 8) {
        uint32_t keys[8], nk = 0;
        for (uint32_t k = obj + 1; nk < m; k = d->nodes[k + 1].next)
            keys[nk++] = k;
        for (uint32_t a = 1; a < m; a++)
            for (uint32_t b = 0; b < a; b++) {
                if ((rc = keys_equal(d, keys[a], keys[b], &eq)))
                    return rc;
                if (eq)
                    return dup_found(p, keys[a]);
            }
        return CT_OK;
    }
    size_t size = 16;
    while (size < (size_t)m * 2)
        size *= 2;
    if (size > d->slot_cap) {
        uint32_t *ns = realloc(d->slots, size * sizeof(*ns));
        if (!ns)
            return ct_fail(p->err, CT_ENOMEM, "out-of-memory", "checking %u keys", m);
        d->slots = ns;
        d->slot_cap = size;
    }
    memset(d->slots, 0, size * sizeof(*d->slots));
    uint32_t k = obj + 1;
    for (uint32_t i = 0; i < m; i++, k = d->nodes[k + 1].next) {
        const uint8_t *t;
        size_t n;
        if ((rc = key_text(d, k, &d->key_a, &t, &n)))
            return rc;
        size_t h = (size_t)hash_bytes(t, n) & (size - 1);
        for (; d->slots[h]; h = (h + 1) & (size - 1)) {
            if ((rc = keys_equal(d, k, d->slots[h], &eq)))
                return rc;
            if (eq)
                return dup_found(p, k);
        }
        d->slots[h] = k;
    }
    return CT_OK;
}

/* ---- the parser ---- */
int ct_json_parse(ct_json_doc *d, const char *text, size_t len, const ct_json_options *opts,
                  ct_error *err)
{
    ct_json_options defaults = CT_JSON_OPTIONS_INIT;
    if (!opts)
        opts = &defaults;
    unsigned max_depth = opts->max_depth ? opts->max_depth : 256;
    parser p = {d, (const uint8_t *)text, len, 0, opts->max_nodes, err};
    uint32_t stack_small[64];
    uint32_t *stack = stack_small;
    unsigned depth = 0;
    int rc = CT_OK;
    uint32_t idx;

    d->text = text;
    d->len = len;
    d->n = 0;
    if (len >= CT_JSON_MAX_INPUT)
        return ct_fail(err, CT_ENOMEM, "json-too-big", "JSON input of %zu bytes (4 GiB at most)",
                       len);
    if (max_depth > 64) {
        stack = malloc((size_t)max_depth * sizeof(*stack));
        if (!stack)
            return ct_fail(err, CT_ENOMEM, "out-of-memory", "JSON parser stack");
    }
    if (len >= 3 && (uint8_t)text[0] == 0xef && (uint8_t)text[1] == 0xbb &&
        (uint8_t)text[2] == 0xbf) {
        rc = fail_at(&p, 0, "json-bom", "byte order mark at the start (JSON text has none)");
        goto out;
    }
    skip_ws(&p);
    if (p.pos >= len) {
        rc = fail_at(&p, p.pos, "json-empty", "no JSON value");
        goto out;
    }

    for (;;) {
        /* A value is expected at p.pos (whitespace skipped). */
        if (p.pos >= len) {
            rc = fail_at(&p, p.pos, "json-syntax", "input ends where a value was expected");
            goto out;
        }
        if (depth && d->nodes[stack[depth - 1]].type == CT_JSON_ARRAY)
            d->nodes[stack[depth - 1]].count++; /* objects count their members instead */
        uint8_t c = p.s[p.pos];
        if (c == '[' || c == '{') {
            if (depth >= max_depth) {
                rc = fail_at(&p, p.pos, "json-depth", "nesting deeper than the limit");
                goto out;
            }
            if ((rc = new_node(&p, c == '[' ? CT_JSON_ARRAY : CT_JSON_OBJECT, p.pos, &idx)))
                goto out;
            stack[depth++] = idx;
            p.pos++;
            skip_ws(&p);
            if (p.pos < len && p.s[p.pos] == (c == '[' ? ']' : '}')) {
                d->nodes[idx].next = d->n;
                d->nodes[idx].len = (uint32_t)(p.pos - d->nodes[idx].off + 1);
                depth--;
                p.pos++;
                goto after_value;
            }
            if (c == '[')
                continue;
            goto member;
        }
        if (c == '"')
            rc = parse_string(&p, &idx);
        else if (c == '-' || (c >= '0' && c <= '9'))
            rc = parse_number(&p);
        else
            rc = parse_literal(&p);
        if (rc)
            goto out;

    after_value:
        for (;;) {
            if (depth == 0) {
                skip_ws(&p);
                if (p.pos != len)
                    rc = fail_at(&p, p.pos, "json-trailing", "text after the JSON value");
                goto out;
            }
            skip_ws(&p);
            uint32_t top = stack[depth - 1];
            bool is_arr = d->nodes[top].type == CT_JSON_ARRAY;
            if (p.pos >= len) {
                rc = fail_at(&p, p.pos, "json-syntax",
                             is_arr ? "input ends inside an array" : "input ends inside an object");
                goto out;
            }
            uint8_t e = p.s[p.pos];
            if (e == ',') {
                p.pos++;
                skip_ws(&p);
                if (is_arr)
                    break; /* the next element */
                goto member;
            }
            if (e == (is_arr ? ']' : '}')) {
                d->nodes[top].next = d->n;
                d->nodes[top].len = (uint32_t)(p.pos - d->nodes[top].off + 1);
                p.pos++;
                depth--;
                if (!is_arr && !opts->allow_duplicate && (rc = check_duplicates(&p, top)))
                    goto out;
                continue;
            }
            rc = fail_at(&p, p.pos, "json-syntax",
                         is_arr ? "expected ',' or ']' after an array element"
                                : "expected ',' or '}' after an object member");
            goto out;
        }
        continue;

    member:
        /* An object member is expected at p.pos: "key" ws ':' ws value. */
        if (p.pos >= len || p.s[p.pos] != '"') {
            rc = fail_at(&p, p.pos, "json-syntax",
                         p.pos >= len ? "input ends inside an object"
                                      : "expected a string key in an object");
            goto out;
        }
        if ((rc = parse_string(&p, &idx)))
            goto out;
        d->nodes[stack[depth - 1]].count++;
        skip_ws(&p);
        if (p.pos >= len || p.s[p.pos] != ':') {
            rc = fail_at(&p, p.pos, "json-syntax", "expected ':' after an object key");
            goto out;
        }
        p.pos++;
        skip_ws(&p);
    }
out:
    if (stack != stack_small)
        free(stack);
    if (rc)
        d->n = 0;
    return rc;
}

/* ---- navigation ---- */
uint32_t ct_json_first(const ct_json_doc *d, uint32_t c)
{
    const ct_json_node *nd = &d->nodes[c];
    if ((nd->type != CT_JSON_ARRAY && nd->type != CT_JSON_OBJECT) || nd->count == 0)
        return 0;
    return c + 1;
}

uint32_t ct_json_next(const ct_json_doc *d, uint32_t c, uint32_t child)
{
    uint32_t nx = d->nodes[child].next;
    return nx < d->nodes[c].next ? nx : 0;
}

uint32_t ct_json_get(const ct_json_doc *d, uint32_t obj, const char *key)
{
    if (d->nodes[obj].type != CT_JSON_OBJECT)
        return 0;
    for (uint32_t k = ct_json_first(d, obj); k; k = ct_json_next(d, obj, k + 1))
        if (ct_json_string_is(d, k, key))
            return k + 1;
    return 0;
}

const char *ct_json_raw(const ct_json_doc *d, uint32_t i, size_t *len)
{
    *len = d->nodes[i].len;
    return d->text + d->nodes[i].off;
}

int ct_json_u64(const ct_json_doc *d, uint32_t i, uint64_t *out)
{
    const ct_json_node *nd = &d->nodes[i];
    uint64_t v = 0;
    if (nd->type != CT_JSON_NUMBER || nd->len == 0)
        return CT_EINVAL;
    const char *s = d->text + nd->off;
    for (uint32_t k = 0; k < nd->len; k++) {
        if (s[k] < '0' || s[k] > '9')
            return CT_EINVAL;
        if (__builtin_mul_overflow(v, 10, &v) ||
            __builtin_add_overflow(v, (uint64_t)(s[k] - '0'), &v))
            return CT_EINVAL;
    }
    *out = v;
    return CT_OK;
}
