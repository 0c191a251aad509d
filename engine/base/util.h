/* Internal helpers shared by the engine and the chain adapters: explicit-endian loads,
 * overflow-checked size arithmetic, a bounded growable buffer, a block arena, hex, and the
 * filling of ct_error records. Not part of the public API. */
#ifndef CT_UTIL_H
#define CT_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chaintrail/error.h"

/* ---- explicit little/big-endian loads and stores ---- */
static inline uint16_t ct_le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (uint16_t)p[1] << 8);
}
static inline uint32_t ct_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t ct_le64(const uint8_t *p)
{
    return (uint64_t)ct_le32(p) | (uint64_t)ct_le32(p + 4) << 32;
}
static inline uint32_t ct_be32(const uint8_t *p)
{
    return (uint32_t)p[3] | (uint32_t)p[2] << 8 | (uint32_t)p[1] << 16 | (uint32_t)p[0] << 24;
}
static inline uint64_t ct_be64(const uint8_t *p)
{
    return (uint64_t)ct_be32(p) << 32 | (uint64_t)ct_be32(p + 4);
}
static inline void ct_put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}
static inline void ct_put_le64(uint8_t *p, uint64_t v)
{
    ct_put_le32(p, (uint32_t)v);
    ct_put_le32(p + 4, (uint32_t)(v >> 32));
}
static inline void ct_put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}
static inline void ct_put_be64(uint8_t *p, uint64_t v)
{
    ct_put_be32(p, (uint32_t)(v >> 32));
    ct_put_be32(p + 4, (uint32_t)v);
}

/* ---- overflow-checked size arithmetic (git's st_add / st_mult) ---- */
static inline bool ct_add_ok(size_t a, size_t b, size_t *out)
{
    return !__builtin_add_overflow(a, b, out);
}
static inline bool ct_mul_ok(size_t a, size_t b, size_t *out)
{
    return !__builtin_mul_overflow(a, b, out);
}

/* ---- errors ---- */
/* Sets code, reason and a printf-style detail; keeps the position fields already set.
 * Returns `code` so that callers can write `return ct_fail(err, CT_ECORRUPT, ...)`.
 * err may be NULL. */
int ct_fail(ct_error *err, int code, const char *reason, const char *fmt, ...) CT_PRINTF(4, 5);

/* ---- a growable byte buffer with a hard maximum (curl's dynbuf) ----
 * Always NUL-terminated after len bytes, so text can be read from it directly. */
typedef struct ct_buf {
    uint8_t *data;
    size_t len;
    size_t cap;
    size_t max;  /* appends that would grow past max fail with CT_ENOMEM */
    bool toobig; /* an append failed because it would pass max (not out of memory) */
} ct_buf;

void ct_buf_init(ct_buf *b, size_t max);
void ct_buf_release(ct_buf *b);
void ct_buf_reset(ct_buf *b); /* len = 0, keeps the memory */
CT_WARN_UNUSED int ct_buf_reserve(ct_buf *b, size_t extra);
CT_WARN_UNUSED int ct_buf_append(ct_buf *b, const void *p, size_t n);
CT_WARN_UNUSED int ct_buf_putc(ct_buf *b, char c);
CT_WARN_UNUSED int ct_buf_puts(ct_buf *b, const char *s);
CT_WARN_UNUSED int ct_buf_printf(ct_buf *b, const char *fmt, ...) CT_PRINTF(2, 3);

/* Reads the whole file at `path` (a regular file, a pipe or a device) into *out (malloc'd,
 * NUL-terminated, *len bytes without the NUL; the caller frees it). Returns CT_OK; CT_EIO
 * "cannot-open" / "cannot-read" (a directory is "cannot-read"); CT_ENOMEM "file-too-large"
 * past `max` bytes, or "out-of-memory"; with `optional`, CT_ENOTFOUND and no error record
 * when the file does not exist. */
CT_WARN_UNUSED int ct_read_file(const char *path, size_t max, bool optional, char **out,
                                size_t *len, ct_error *err);

/* ---- an arena for the short-lived objects of one block ----
 * Allocations are 16-byte aligned; ct_arena_reset frees them all at once and keeps the
 * largest chunk for the next block. No single allocation may exceed `max_alloc`. */
typedef struct ct_arena ct_arena;
ct_arena *ct_arena_new(size_t max_alloc);
void ct_arena_free(ct_arena *a);
void ct_arena_reset(ct_arena *a);
/* Returns uninitialized memory of n*size bytes, or NULL when the product
 * overflows, exceeds max_alloc, or memory runs out. */
void *ct_arena_alloc(ct_arena *a, size_t n, size_t size);
size_t ct_arena_peak(const ct_arena *a);

/* ---- hex ---- */
/* Writes 2*n lowercase hex digits and a NUL into out. */
void ct_hex_encode(char *out, const uint8_t *p, size_t n);
/* Decodes exactly 2*n hex digits (either case) from s into out. Returns CT_OK or CT_EINVAL. */
CT_WARN_UNUSED int ct_hex_decode(uint8_t *out, const char *s, size_t n);
static inline int ct_hex_digit(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* ---- locale-independent number parsing (C1, C2) ---- */
/* Parses a whole decimal string into *out; no sign, no spaces, no empty string, no overflow.
 * Returns CT_OK or CT_EINVAL. */
CT_WARN_UNUSED int ct_parse_u64(uint64_t *out, const char *s);

#endif
