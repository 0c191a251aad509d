/* Text made safe for each export format (bad-inputs.md X1-X6). */
#include <string.h>

#include "export/export_internal.h"

/* Length of the valid UTF-8 sequence at p (1..4) and its code point, or 0 when the bytes
 * there are not one (overlong forms, surrogates and values above U+10FFFF included). */
static size_t utf8_seq(const unsigned char *p, uint32_t *cp)
{
    unsigned c = p[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t n;
    uint32_t v, min;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2, v = c & 0x1f, min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3, v = c & 0x0f, min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4, v = c & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        v = (v << 6) | (p[i] & 0x3f);
    }
    if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
        return 0;
    *cp = v;
    return n;
}

static bool unsafe_cp(uint32_t cp)
{
    return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) || cp == 0xfffe || cp == 0xffff;
}

int ex_clean(ct_buf *out, const char *s)
{
    static const char repl[] = "\xef\xbf\xbd"; /* U+FFFD */
    ct_buf_reset(out);
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    while (*p) {
        uint32_t cp;
        size_t n = utf8_seq(p, &cp);
        int rc;
        if (n == 0) {
            rc = ct_buf_append(out, repl, 3);
            n = 1;
        } else if (unsafe_cp(cp)) {
            rc = ct_buf_append(out, repl, 3);
        } else {
            rc = ct_buf_append(out, p, n);
        }
        if (rc != CT_OK)
            return rc;
        p += n;
    }
    if (out->len == 0)
        return ct_buf_append(out, "", 0); /* NUL-terminated even when empty */
    return CT_OK;
}

void ex_put_xml(FILE *f, const char *s)
{
    for (; *s; s++) {
        size_t n = strcspn(s, "&<>\"'");
        if (n) { /* the run that needs no escape, written at once */
            fwrite(s, 1, n, f);
            s += n - 1;
            continue;
        }
        switch (*s) {
        case '&':
            fputs("&amp;", f);
            break;
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        case '\'':
            fputs("&apos;", f);
            break;
        default:
            fputc(*s, f);
        }
    }
}

void ex_put_dot(FILE *f, const char *s)
{
    for (;;) {
        size_t n = strcspn(s, "\"\\"); /* the run that needs no escape, written at once */
        fwrite(s, 1, n, f);
        if (!s[n])
            return;
        fputc('\\', f);
        fputc(s[n], f);
        s += n + 1;
    }
}

void ex_put_json(FILE *f, const char *s)
{
    ex_put_dot(f, s); /* the same two escapes: controls are gone already */
}

void ex_put_csv(FILE *f, const char *s)
{
    fputc('"', f);
    if (*s == '=' || *s == '+' || *s == '-' || *s == '@')
        fputc('\'', f);
    for (;;) {
        size_t n = strcspn(s, "\"");
        fwrite(s, 1, n, f);
        if (!s[n])
            break;
        fputs("\"\"", f);
        s += n + 1;
    }
    fputc('"', f);
}
