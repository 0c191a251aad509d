/* Internal helpers: error records, the bounded buffer, the block arena, hex and number
 * parsing. See util.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chaintrail/version.h"
#include "base/util.h"

const char *ct_strerror(int code)
{
    switch (code) {
    case CT_OK:
        return "success";
    case CT_EINVAL:
        return "invalid argument";
    case CT_ENOMEM:
        return "out of memory or over a size limit";
    case CT_ECORRUPT:
        return "bad data";
    case CT_EIO:
        return "input/output error";
    case CT_ENOTFOUND:
        return "not found";
    case CT_ETRUNCATED:
        return "truncated input";
    case CT_ENETWORK:
        return "network mismatch";
    case CT_EEOF:
        return "end of input";
    case CT_ELOCKED:
        return "database is locked by another process";
    case CT_EVERSION:
        return "unsupported version";
    case CT_EDBCORRUPT:
        return "database is corrupt";
    default:
        return "unknown error";
    }
}

void ct_error_clear(ct_error *err)
{
    if (!err)
        return;
    memset(err, 0, sizeof(*err));
    err->offset = UINT64_MAX;
    err->tx_index = -1;
    err->height = -1;
}

int ct_fail(ct_error *err, int code, const char *reason, const char *fmt, ...)
{
    if (!err)
        return code;
    err->code = code;
    snprintf(err->reason, sizeof(err->reason), "%s", reason ? reason : "");
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->detail, sizeof(err->detail), fmt, ap);
        va_end(ap);
    } else {
        err->detail[0] = '\0';
    }
    return code;
}

void ct_error_set_file(ct_error *err, const char *file)
{
    if (err)
        snprintf(err->file, sizeof(err->file), "%s", file ? file : "");
}

size_t ct_error_format(const ct_error *err, char *buf, size_t size)
{
    ct_buf b;
    size_t need;
    ct_buf_init(&b, 4096);
    int rc = 0;
    if (err->file[0])
        rc |= ct_buf_printf(&b, "%s: ", err->file);
    if (err->offset != UINT64_MAX)
        rc |= ct_buf_printf(&b, "offset %llu: ", (unsigned long long)err->offset);
    if (err->height >= 0)
        rc |= ct_buf_printf(&b, "height %lld: ", (long long)err->height);
    if (err->block_hash[0])
        rc |= ct_buf_printf(&b, "block %s: ", err->block_hash);
    if (err->tx_index >= 0)
        rc |= ct_buf_printf(&b, "tx %lld: ", (long long)err->tx_index);
    /* A failure whose reason was not recorded must not read "success". */
    rc |= ct_buf_puts(&b, err->reason[0]       ? err->reason
                          : err->code != CT_OK ? ct_strerror(err->code)
                                               : "error (no reason recorded)");
    if (err->detail[0])
        rc |= ct_buf_printf(&b, ": %s", err->detail);
    if (rc != 0 || !b.data) {
        need = (size_t)snprintf(buf, size, "%s",
                                err->code != CT_OK ? ct_strerror(err->code) : "error");
    } else {
        need = b.len;
        if (size > 0)
            snprintf(buf, size, "%s", (const char *)b.data);
    }
    ct_buf_release(&b);
    return need;
}

/* ---- buffer ---- */
void ct_buf_init(ct_buf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
    b->toobig = false;
}

void ct_buf_release(ct_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

void ct_buf_reset(ct_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = 0;
}

int ct_buf_reserve(ct_buf *b, size_t extra)
{
    size_t need, cap;
    if (!ct_add_ok(b->len, extra, &need) || !ct_add_ok(need, 1, &need) || need - 1 > b->max) {
        b->toobig = true;
        return CT_ENOMEM;
    }
    if (need <= b->cap)
        return CT_OK;
    cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    if (b->max < SIZE_MAX && cap > b->max + 1) /* max SIZE_MAX: no bound (max + 1 wraps) */
        cap = b->max + 1;
    uint8_t *p = realloc(b->data, cap);
    if (!p)
        return CT_ENOMEM;
    b->data = p;
    b->cap = cap;
    return CT_OK;
}

int ct_buf_append(ct_buf *b, const void *p, size_t n)
{
    if (ct_buf_reserve(b, n) != CT_OK)
        return CT_ENOMEM;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = 0;
    return CT_OK;
}

int ct_buf_putc(ct_buf *b, char c)
{
    return ct_buf_append(b, &c, 1);
}

int ct_buf_puts(ct_buf *b, const char *s)
{
    return ct_buf_append(b, s, strlen(s));
}

int ct_buf_printf(ct_buf *b, const char *fmt, ...)
{
    va_list ap;
    char small[256];
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0)
        return CT_EINVAL;
    if ((size_t)n < sizeof(small))
        return ct_buf_append(b, small, (size_t)n);
    if (ct_buf_reserve(b, (size_t)n) != CT_OK)
        return CT_ENOMEM;
    va_start(ap, fmt);
    vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return CT_OK;
}

/* ---- arena ---- */
struct ct_arena_chunk {
    struct ct_arena_chunk *next;
    size_t size;
    size_t used;
    _Alignas(16) uint8_t mem[];
};

struct ct_arena {
    struct ct_arena_chunk *head;
    size_t max_alloc;
    size_t total;
    size_t peak;
};

ct_arena *ct_arena_new(size_t max_alloc)
{
    ct_arena *a = calloc(1, sizeof(*a));
    if (a)
        a->max_alloc = max_alloc;
    return a;
}

void ct_arena_free(ct_arena *a)
{
    if (!a)
        return;
    struct ct_arena_chunk *c = a->head;
    while (c) {
        struct ct_arena_chunk *n = c->next;
        free(c);
        c = n;
    }
    free(a);
}

void ct_arena_reset(ct_arena *a)
{
    /* Keep the largest chunk, free the others. */
    struct ct_arena_chunk *keep = NULL, *c = a->head;
    while (c) {
        struct ct_arena_chunk *n = c->next;
        if (!keep || c->size > keep->size) {
            free(keep);
            keep = c;
        } else {
            free(c);
        }
        c = n;
    }
    if (keep) {
        keep->next = NULL;
        keep->used = 0;
    }
    a->head = keep;
    a->total = keep ? keep->size : 0;
}

void *ct_arena_alloc(ct_arena *a, size_t n, size_t size)
{
    size_t bytes;
    if (!ct_mul_ok(n, size, &bytes) || bytes > a->max_alloc)
        return NULL;
    bytes = (bytes + 15) & ~(size_t)15;
    if (bytes == 0)
        bytes = 16;
    struct ct_arena_chunk *c = a->head;
    if (!c || c->size - c->used < bytes) {
        size_t csize = c ? c->size * 2 : 64 * 1024;
        if (csize < bytes)
            csize = bytes;
        c = malloc(sizeof(*c) + csize);
        if (!c)
            return NULL;
        c->size = csize;
        c->used = 0;
        c->next = a->head;
        a->head = c;
        a->total += csize;
        if (a->total > a->peak)
            a->peak = a->total;
    }
    void *p = c->mem + c->used;
    c->used += bytes;
    return p;
}

size_t ct_arena_peak(const ct_arena *a)
{
    return a->peak;
}

/* ---- hex ---- */
void ct_hex_encode(char *out, const uint8_t *p, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    out[2 * n] = '\0';
}

int ct_hex_decode(uint8_t *out, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int hi = ct_hex_digit((unsigned char)s[2 * i]);
        if (hi < 0)
            return CT_EINVAL;
        int lo = ct_hex_digit((unsigned char)s[2 * i + 1]);
        if (lo < 0)
            return CT_EINVAL;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return CT_OK;
}

int ct_parse_u64(uint64_t *out, const char *s)
{
    uint64_t v = 0;
    if (!s || !*s)
        return CT_EINVAL;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return CT_EINVAL;
        if (__builtin_mul_overflow(v, 10, &v) ||
            __builtin_add_overflow(v, (uint64_t)(*s - '0'), &v))
            return CT_EINVAL;
    }
    *out = v;
    return CT_OK;
}

const char *ct_version(void)
{
    return CT_VERSION;
}

int ct_read_file(const char *path, size_t max, bool optional, char **out, size_t *len,
                 ct_error *err)
{
    *out = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        if (optional && errno == ENOENT)
            return CT_ENOTFOUND;
        return ct_fail(err, CT_EIO, "cannot-open", "cannot open '%s': %s", path, strerror(errno));
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
        close(fd);
        return ct_fail(err, CT_EIO, "cannot-read", "cannot read '%s': not a file", path);
    }
    /* A regular file's size is known (it may still change: the loop does not trust it). */
    size_t cap = S_ISREG(st.st_mode) ? (size_t)st.st_size : 65536, n = 0;
    if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > max)
        goto too_large;
    char *buf = malloc(cap + 1);
    if (!buf)
        goto no_memory;
    for (;;) {
        if (n == cap) {
            /* Full: one byte more says whether the file goes on (a regular file's size
             * was only a hint). */
            char c;
            ssize_t k = read(fd, &c, 1);
            if (k < 0 && errno == EINTR)
                continue;
            if (k == 0)
                break;
            if (k < 0 || cap >= max) {
                free(buf);
                if (k < 0)
                    goto read_error;
                goto too_large;
            }
            size_t ncap = cap < max / 2 ? cap * 2 + 1 : max;
            char *nb = realloc(buf, ncap + 1);
            if (!nb) {
                free(buf);
                goto no_memory;
            }
            buf = nb;
            cap = ncap;
            buf[n++] = c;
            continue;
        }
        ssize_t k = read(fd, buf + n, cap - n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            free(buf);
            goto read_error;
        }
        if (k == 0)
            break;
        n += (size_t)k;
    }
    close(fd);
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return CT_OK;
read_error : {
    int e = errno;
    close(fd);
    return ct_fail(err, CT_EIO, "cannot-read", "cannot read '%s': %s", path, strerror(e));
}
too_large:
    close(fd);
    return ct_fail(err, CT_ENOMEM, "file-too-large", "'%s' is larger than %zu MiB", path,
                   max >> 20);
no_memory:
    close(fd);
    return ct_fail(err, CT_ENOMEM, "out-of-memory", "reading '%s'", path);
}
