/* Option parsing for the commands, errors to stderr, and the mapping of library error
 * codes to exit codes. Numbers are parsed by hand, without locale (bad-inputs.md C1, C2). */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

static const char *error_alias_of, *error_alias_as;

void cli_error_alias(const char *cmd, const char *as)
{
    error_alias_of = cmd;
    error_alias_as = as;
}

void cli_error(const char *cmd, const char *fmt, ...)
{
    if (cmd && error_alias_of && strcmp(cmd, error_alias_of) == 0)
        cmd = error_alias_as;
    /* The message often quotes input (a file name, a label, a line of a price file): it is
     * written through the escaper, so that input cannot drive the terminal (X3, X4). */
    char small[1024], *msg = small;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n >= (int)sizeof(small) && (msg = malloc((size_t)n + 1)) != NULL) {
        va_start(ap, fmt);
        vsnprintf(msg, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    if (!msg)
        msg = small; /* out of memory: the message cut at 1023 bytes */
    fputs("chaintrail: ", stderr);
    if (cmd)
        fprintf(stderr, "%s: ", cmd);
    cli_print_text(stderr, n < 0 ? fmt : msg);
    fputc('\n', stderr);
    if (msg != small)
        free(msg);
}

const char *cli_detail(const ct_error *err)
{
    if (err->detail[0])
        return err->detail;
    if (err->reason[0])
        return err->reason;
    return err->code != CT_OK ? ct_strerror(err->code) : "error (no reason recorded)";
}

void cli_error_ct(const char *cmd, const char *prefix, int rc, const ct_error *err)
{
    ct_error e = *err;
    char line[1024];
    if (e.code == CT_OK) /* a failure without a recorded reason: say what rc says */
        e.code = rc != CT_OK ? rc : CT_EINVAL;
    ct_error_format(&e, line, sizeof(line));
    cli_error(cmd, "%s%s", prefix ? prefix : "", line);
}

int cli_exit_code(int ct_code)
{
    switch (ct_code) {
    case CT_OK:
    case CT_EEOF:
        return CT_EXIT_OK;
    case CT_EINVAL:
        return CT_EXIT_USAGE;
    case CT_ECORRUPT:
    case CT_ETRUNCATED:
    case CT_ENETWORK:
        return CT_EXIT_DATA;
    case CT_EIO:
        return CT_EXIT_IO;
    case CT_ELOCKED:
        return CT_EXIT_LOCKED;
    case CT_EVERSION:
        return CT_EXIT_VERSION;
    case CT_EDBCORRUPT:
        return CT_EXIT_CORRUPT;
    default:
        return CT_EXIT_FAILURE;
    }
}

bool cli_parse_u64(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    if (!*s)
        return false;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return false;
        if (__builtin_mul_overflow(v, 10, &v) ||
            __builtin_add_overflow(v, (uint64_t)(*s - '0'), &v))
            return false;
    }
    *out = v;
    return true;
}

bool cli_parse_range(const char *cmd, const char *name, const char *val, uint64_t min,
                     uint64_t max, uint64_t *out)
{
    uint64_t v;
    if (!cli_parse_u64(val, &v) || v < min || v > max) {
        cli_error(cmd, "option '--%s': '%s' is not a whole number from %llu to %llu", name, val,
                  (unsigned long long)min, (unsigned long long)max);
        return false;
    }
    *out = v;
    return true;
}

FILE *cli_open_input(const char *path, char *why, size_t size)
{
    if (strcmp(path, "-") == 0)
        return stdin;
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        snprintf(why, size, "%s", strerror(errno));
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(why, size, "not a regular file (use '-' for standard input)");
        close(fd);
        return NULL;
    }
    int fl = fcntl(fd, F_GETFL);
    if (fl != -1)
        (void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    FILE *f = fdopen(fd, "rb");
    if (!f) {
        snprintf(why, size, "%s", strerror(errno));
        close(fd);
    }
    return f;
}

int cli_hex_digit(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

void cli_strings_release(cli_strings *s)
{
    free(s->v);
    s->v = NULL;
    s->n = 0;
}

static const cli_opt *find_opt(const cli_opt *opts, const char *name, size_t len)
{
    for (const cli_opt *o = opts; o && o->name; o++)
        if (strlen(o->name) == len && strncmp(o->name, name, len) == 0)
            return o;
    return NULL;
}

int cli_parse(const cli_command *cmd, const cli_opt *opts, int argc, char **argv, int *first)
{
    int i = 1;
    int npos = 0;
    /* Positional arguments are moved to the front of argv[1..] as we go. */
    for (; i < argc; i++) {
        char *a = argv[i];
        if (strcmp(a, "--") == 0) {
            for (i++; i < argc; i++)
                argv[1 + npos++] = argv[i];
            break;
        }
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(cmd->usage, stdout);
            return -1;
        }
        if (a[0] != '-' || a[1] == '\0') { /* "-" alone is a path: standard input */
            argv[1 + npos++] = a;
            continue;
        }
        if (a[1] != '-') {
            cli_error(cmd->name, "unknown option '%s'", a);
            return CT_EXIT_USAGE;
        }
        const char *name = a + 2;
        const char *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        const cli_opt *o = find_opt(opts, name, len);
        if (!o) {
            cli_error(cmd->name, "unknown option '--%.*s'", (int)len, name);
            return CT_EXIT_USAGE;
        }
        if (o->kind == CLI_FLAG) {
            if (eq) {
                cli_error(cmd->name, "option '--%s' takes no value", o->name);
                return CT_EXIT_USAGE;
            }
            *(bool *)o->value = true;
            continue;
        }
        const char *val = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
        if (!val || !*val) {
            cli_error(cmd->name, "option '--%s' needs a value", o->name);
            return CT_EXIT_USAGE;
        }
        if (o->kind == CLI_STRING) {
            *(const char **)o->value = val;
        } else if (o->kind == CLI_STRINGS) {
            cli_strings *l = o->value;
            const char **nv = realloc(l->v, (l->n + 1) * sizeof(*nv));
            if (!nv) {
                cli_error(cmd->name, "out of memory");
                return CT_EXIT_FAILURE;
            }
            l->v = nv;
            l->v[l->n++] = val;
        } else {
            const cli_num *num = o->value;
            if (!cli_parse_range(cmd->name, o->name, val, num->min, num->max, num->value))
                return CT_EXIT_USAGE;
        }
    }
    *first = 1;
    argv[1 + npos] = NULL;
    return CT_EXIT_OK;
}

/* ---- output helpers ---- */
static size_t utf8_len(const unsigned char *s)
{
    /* Length of a valid UTF-8 sequence at s (no overlongs, no surrogates), or 0. */
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        return (s[1] & 0xc0) == 0x80 ? 2 : 0;
    if (c >= 0xe0 && c <= 0xef) {
        if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
            return 0;
        if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] >= 0xa0))
            return 0;
        return 3;
    }
    if (c >= 0xf0 && c <= 0xf4) {
        if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80)
            return 0;
        if ((c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] >= 0x90))
            return 0;
        return 4;
    }
    return 0;
}

/* The escaped form of the character at s, for text output (bad-inputs.md X3, X4): control
 * bytes (C0 and DEL), C1 controls (U+0080..U+009F), U+FFFE, U+FFFF and bytes that are not
 * UTF-8 become \xNN of each byte; anything else is itself. Writes at most 17 bytes and a
 * NUL into out; *used is the number of input bytes taken. */
static size_t text_escape_one(const unsigned char *s, char out[18], size_t *used)
{
    static const char digits[] = "0123456789abcdef";
    size_t n = utf8_len(s), o = 0;
    bool bad = n == 0 || (n == 1 && (s[0] < 0x20 || s[0] == 0x7f)) ||
               (n == 2 && s[0] == 0xc2 && s[1] < 0xa0) ||
               (n == 3 && s[0] == 0xef && s[1] == 0xbf && s[2] >= 0xbe);
    if (n == 0)
        n = 1;
    *used = n;
    for (size_t i = 0; i < n; i++) {
        if (bad) {
            out[o++] = '\\';
            out[o++] = 'x';
            out[o++] = digits[s[i] >> 4];
            out[o++] = digits[s[i] & 15];
        } else {
            out[o++] = (char)s[i];
        }
    }
    out[o] = '\0';
    return o;
}

static void print_text(FILE *f, const char *str, bool csv)
{
    const unsigned char *s = (const unsigned char *)str;
    char buf[18];
    size_t used;
    while (*s) {
        if (csv && *s == '"') {
            fputs("\"\"", f);
            s++;
            continue;
        }
        fwrite(buf, 1, text_escape_one(s, buf, &used), f);
        s += used;
    }
}

void cli_print_text(FILE *f, const char *s)
{
    print_text(f, s, false);
}

void cli_print_text_csv(FILE *f, const char *s)
{
    print_text(f, s, true);
}

size_t cli_text_escape(char *out, size_t cap, const char *str)
{
    const unsigned char *s;
    char buf[18];
    size_t o = 0, used, total = 0;
    if (cap == 0)
        return 0;
    for (s = (const unsigned char *)str; *s; s += used)
        total += text_escape_one(s, buf, &used);
    size_t room = total < cap ? cap : (cap >= 4 ? cap - 3 : 1); /* "..." marks a cut */
    for (s = (const unsigned char *)str; *s; s += used) {
        size_t k = text_escape_one(s, buf, &used);
        if (o + k >= room)
            break;
        memcpy(out + o, buf, k);
        o += k;
    }
    if (total >= cap && cap >= 4) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = '\0';
    return o;
}

void cli_json_string(FILE *f, const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    fputc('"', f);
    while (*s) {
        unsigned char c = *s;
        if (c == '"' || c == '\\') {
            fputc('\\', f);
            fputc(c, f);
            s++;
        } else if (c == '\n') {
            fputs("\\n", f);
            s++;
        } else if (c == '\t') {
            fputs("\\t", f);
            s++;
        } else if (c == '\r') {
            fputs("\\r", f);
            s++;
        } else if (c < 0x20 || c == 0x7f) {
            fprintf(f, "\\u%04x", c);
            s++;
        } else {
            size_t n = utf8_len(s);
            if (n == 0) {
                fprintf(f, "\\u%04x", c); /* not UTF-8: the byte, deterministically */
                s++;
            } else {
                fwrite(s, 1, n, f);
                s += n;
            }
        }
    }
    fputc('"', f);
}

void cli_json_string_or_null(FILE *f, const char *s)
{
    if (s && s[0])
        cli_json_string(f, s);
    else
        fputs("null", f);
}

void cli_print_coin(FILE *f, uint64_t sat)
{
    fprintf(f, "%llu.%08llu", (unsigned long long)(sat / 100000000u),
            (unsigned long long)(sat % 100000000u));
}

void cli_print_hex(FILE *f, const uint8_t *p, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        fputc(digits[p[i] >> 4], f);
        fputc(digits[p[i] & 15], f);
    }
}

const ct_chain_ops *cli_chain_family(const char *cmd, const char *what, const char *name,
                                     const char *prefix)
{
    const ct_chain_ops *f = ct_chain_family_get(name);
    if (!f) {
        char names[256];
        ct_chain_names(names, sizeof(names), NULL);
        cli_error(cmd, "%sunknown chain '%s' (%s%s)", what, name, prefix, names);
    }
    return f;
}

int cli_chain_paths(const char *cmd, char **argv, int first, const char *network,
                    const ct_btc_params **net, char ***paths, size_t *npaths)
{
    if (!argv[first]) {
        cli_error(cmd, "which chain? usage: chaintrail %s bitcoin PATH...", cmd);
        return CT_EXIT_USAGE;
    }
    char prefix[64];
    snprintf(prefix, sizeof(prefix), "%s reads: ", cmd);
    const ct_chain_ops *family = cli_chain_family(cmd, "", argv[first], prefix);
    if (!family)
        return CT_EXIT_USAGE;
    if (family->model != CT_CHAIN_UTXO) {
        cli_error(cmd, "chain '%s' takes other inputs; see chaintrail help %s", argv[first], cmd);
        return CT_EXIT_USAGE;
    }
    *paths = argv + first + 1;
    for (*npaths = 0; (*paths)[*npaths];)
        (*npaths)++;
    if (*npaths == 0) {
        cli_error(cmd, "no PATH given; usage: chaintrail %s bitcoin PATH...", cmd);
        return CT_EXIT_USAGE;
    }
    return cli_network(cmd, network, net);
}
