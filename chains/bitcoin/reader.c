/* The reader of Bitcoin Core block files, for the ingest and `decode bitcoin` commands.
 *
 * It turns paths (a blocks/ directory, blk*.dat files, raw block files, hex text, stdin) into
 * a stream of records: the serialized bytes of one block each, with the file and offset they
 * came from. It frames blk records (network magic + LE32 size), undoes the xor.dat
 * obfuscation of Bitcoin Core 28+, resynchronizes on the magic after junk, ends cleanly on a
 * zero-filled preallocated tail, and reports every skipped byte range, truncated record and
 * bad size field with its position (docs/blk-files.md). It does not parse blocks: that is
 * ct_btc_block_decode's job, and a caller that cannot decode a record calls
 * ct_btc_reader_reject() so that the search for the next magic starts inside it.
 *
 * Files are read with pread() into one window of at least max_record + 8 bytes, and records
 * are handed out as pointers into it. Not mmap: Bitcoin Core truncates the preallocated tail
 * of a blk file when it finalizes it, and touching a truncated mapping raises SIGBUS; with
 * pread a file that shrinks under the reader just ends earlier. Memory stays bounded by the
 * window, or by 64 MiB for stdin and hex input, which are held in memory whole.
 */
#define _FILE_OFFSET_BITS 64
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "chaintrail/bitcoin.h"
#include "base/hash.h"
#include "base/util.h"

#define DEFAULT_MAX_RECORD 4000000u
#define MEM_INPUT_MAX      (64u << 20) /* stdin, pipes and decoded hex are held whole */
#define SCAN_CHUNK         (64u << 10) /* bytes looked at per step when scanning */
#define WINDOW_MIN         (1u << 20)
#define HEX_SNIFF          64 /* hex digits that make a file "hex text" */
#define STDIN_NAME         "<stdin>"

/* One input file. */
typedef struct rd_file {
    char *path;      /* as shown in records and errors */
    uint8_t key[8];  /* xor.dat of its directory */
    bool obfuscated; /* key present and not all zero */
    bool from_dir;   /* listed from a blocks/ directory: blk records, no sniffing */
    bool is_stdin;
    uint64_t start;  /* where reading of blk records starts (resume), 0 by default */
} rd_file;

typedef enum { MODE_BLK, MODE_RAW } rd_mode;

/* What a framing step found, besides the (negative) CT_E* codes it may return. */
enum { STEP_RECORD = 1, STEP_AGAIN, STEP_FILE_DONE };

struct ct_btc_reader {
    const ct_btc_params *net;
    uint32_t max_record;
    rd_file *files;
    size_t nfiles;
    size_t cur; /* index of the file being read */

    /* The open file: either fd read through the window, or mem (stdin, pipes, hex). */
    bool open;
    rd_mode mode;
    int fd;
    const uint8_t *mem;
    ct_buf membuf; /* owns mem */
    uint64_t size;
    const uint8_t *key; /* NULL when the file is plain */
    uint8_t *win;
    size_t win_cap;
    uint64_t win_off;
    size_t win_len;

    /* Framing state of the open file. */
    uint64_t pos;         /* where the next record or junk starts */
    uint64_t quiet_until; /* bytes before this belong to a reported unit: skip silently */
    bool seen_magic;      /* some record (good or bad) was found in this file */
    bool last_ok;         /* the previous call returned a blk record... */
    uint64_t last_off;    /* ...at this offset (of its magic) */

    /* A fatal error is returned again by every later call. */
    int fatal;
    ct_error fatal_err;
};

/* ---- errors ---- */

/* Fills err with code, reason, a formatted detail, the file and the offset. */
static int fail_at(ct_error *err, int code, const char *file, uint64_t offset, const char *reason,
                   const char *fmt, ...) CT_PRINTF(6, 7);
static int fail_at(ct_error *err, int code, const char *file, uint64_t offset, const char *reason,
                   const char *fmt, ...)
{
    char detail[CT_ERROR_DETAIL_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof(detail), fmt, ap);
    va_end(ap);
    ct_fail(err, code, reason, "%s", detail);
    ct_error_set_file(err, file);
    if (err)
        err->offset = offset;
    return code;
}

static const char *errno_text(int e, char *buf, size_t size)
{
    if (strerror_r(e, buf, size) != 0)
        snprintf(buf, size, "error %d", e);
    return buf;
}

static const char *cur_path(const ct_btc_reader *r)
{
    return r->files[r->cur].path;
}

/* ---- the open file ---- */

static void xor_bytes(uint8_t *p, size_t n, uint64_t off, const uint8_t key[8])
{
    for (size_t i = 0; i < n; i++)
        p[i] ^= key[(off + i) & 7];
}

/* Reads from `off` on into the window, keeping the bytes of the window that are at or after
 * off (the start of a record read by an earlier fill). Fills the window as far as the file
 * goes; a file that got shorter since it was opened ends where the read ends. */
static int win_fill(ct_btc_reader *r, uint64_t off, ct_error *err)
{
    size_t keep = 0;
    if (off >= r->win_off && off < r->win_off + r->win_len) {
        keep = (size_t)(r->win_off + r->win_len - off);
        memmove(r->win, r->win + (off - r->win_off), keep);
    }
    r->win_off = off;
    r->win_len = keep;
    uint64_t left = r->size - off;
    size_t target = left < r->win_cap ? (size_t)left : r->win_cap;
    while (r->win_len < target) {
        uint64_t at = off + r->win_len;
        ssize_t n = pread(r->fd, r->win + r->win_len, target - r->win_len, (off_t)at);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            char eb[128];
            return fail_at(err, CT_EIO, cur_path(r), at, "read-failed", "%s",
                           errno_text(errno, eb, sizeof(eb)));
        }
        if (n == 0) {
            r->size = at;
            break;
        }
        if (r->key)
            xor_bytes(r->win + r->win_len, (size_t)n, at, r->key);
        r->win_len += (size_t)n;
    }
    return CT_OK;
}

/* Points *p at the (de-obfuscated) bytes [off, off + want) of the open file; *got tells how
 * many of them exist, fewer than want at the end of the file. want <= win_cap. The bytes stay
 * valid until the next view. */
static int view(ct_btc_reader *r, uint64_t off, size_t want, const uint8_t **p, size_t *got,
                ct_error *err)
{
    *p = NULL;
    *got = 0;
    if (off >= r->size)
        return CT_OK;
    if (want > r->size - off)
        want = (size_t)(r->size - off);
    if (r->mem) {
        *p = r->mem + off;
        *got = want;
        return CT_OK;
    }
    if (off < r->win_off || off + want > r->win_off + r->win_len) {
        int rc = win_fill(r, off, err);
        if (rc != CT_OK)
            return rc;
        if (off + want > r->win_off + r->win_len)
            want = (size_t)(r->win_off + r->win_len - off);
    }
    *p = r->win + (off - r->win_off);
    *got = want;
    return CT_OK;
}

/* Reads a stream (stdin, a pipe) whole into memory, at most MEM_INPUT_MAX bytes. */
static int slurp(ct_btc_reader *r, int fd, ct_error *err)
{
    uint8_t chunk[SCAN_CHUNK];
    ct_buf_reset(&r->membuf);
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            char eb[128];
            return fail_at(err, CT_EIO, cur_path(r), r->membuf.len, "read-failed", "%s",
                           errno_text(errno, eb, sizeof(eb)));
        }
        if (n == 0)
            break;
        if ((size_t)n > MEM_INPUT_MAX - r->membuf.len)
            return fail_at(err, CT_ENOMEM, cur_path(r), 0, "input-too-large",
                           "input read as a stream is held in memory and must not exceed %u "
                           "bytes (64 MiB); pass a file path instead",
                           MEM_INPUT_MAX);
        if (ct_buf_append(&r->membuf, chunk, (size_t)n) != CT_OK)
            return fail_at(err, CT_ENOMEM, cur_path(r), r->membuf.len, "out-of-memory",
                           "cannot hold the input in memory");
    }
    r->mem = r->membuf.data ? r->membuf.data : (const uint8_t *)"";
    r->size = r->membuf.len;
    return CT_OK;
}

static bool is_space(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* True when the first non-blank bytes of the file are hex digits: HEX_SNIFF of them, or at
 * least two followed by a blank or the end of the file. */
static int looks_hex(ct_btc_reader *r, bool *yes, ct_error *err)
{
    const uint8_t *p;
    size_t got, i = 0, digits = 0;
    *yes = false;
    int rc = view(r, 0, 4096, &p, &got, err);
    if (rc != CT_OK)
        return rc;
    while (i < got && is_space(p[i]))
        i++;
    while (i < got && digits < HEX_SNIFF && ct_hex_digit(p[i]) >= 0) {
        i++;
        digits++;
    }
    *yes = digits == HEX_SNIFF || (digits >= 2 && (i == r->size || (i < got && is_space(p[i]))));
    return CT_OK;
}

/* Replaces the open file by the bytes its hex text decodes to. Whitespace is allowed before
 * and after the digits only. */
static int hex_to_memory(ct_btc_reader *r, ct_error *err)
{
    enum { LEAD, DIGITS, TRAIL } state = LEAD;
    uint8_t stage[4096];
    size_t staged = 0;
    int hi = -1, rc = CT_OK;
    ct_buf out;
    ct_buf_init(&out, MEM_INPUT_MAX);

    for (uint64_t off = 0; off < r->size && rc == CT_OK;) {
        const uint8_t *p;
        size_t got;
        rc = view(r, off, SCAN_CHUNK, &p, &got, err);
        if (rc != CT_OK || got == 0)
            break;
        for (size_t i = 0; i < got; i++) {
            int c = p[i];
            if (is_space(c)) {
                if (state == DIGITS) {
                    if (hi >= 0) {
                        rc = fail_at(err, CT_ECORRUPT, cur_path(r), off + i, "bad-hex",
                                     "odd number of hex digits");
                        break;
                    }
                    state = TRAIL;
                }
                continue;
            }
            int d = ct_hex_digit(c);
            if (d < 0 || state == TRAIL) {
                rc = fail_at(err, CT_ECORRUPT, cur_path(r), off + i, "bad-hex",
                             d < 0 ? "byte 0x%02x is not a hex digit"
                                   : "byte 0x%02x after the whitespace that ends the hex digits",
                             c);
                break;
            }
            state = DIGITS;
            if (hi < 0) {
                hi = d;
                continue;
            }
            stage[staged++] = (uint8_t)(hi << 4 | d);
            hi = -1;
            if (staged == sizeof(stage)) {
                if (out.len + staged > out.max) {
                    rc = fail_at(err, CT_ENOMEM, cur_path(r), off + i, "input-too-large",
                                 "hex text decodes to more than %u bytes (64 MiB)", MEM_INPUT_MAX);
                    break;
                }
                if (ct_buf_append(&out, stage, staged) != CT_OK) {
                    rc = fail_at(err, CT_ENOMEM, cur_path(r), off + i, "out-of-memory",
                                 "cannot hold the decoded hex in memory");
                    break;
                }
                staged = 0;
            }
        }
        off += got;
    }
    if (rc == CT_OK && hi >= 0)
        rc = fail_at(err, CT_ECORRUPT, cur_path(r), r->size, "bad-hex", "odd number of hex digits");
    if (rc == CT_OK && out.len + staged > out.max)
        rc = fail_at(err, CT_ENOMEM, cur_path(r), r->size, "input-too-large",
                     "hex text decodes to more than %u bytes (64 MiB)", MEM_INPUT_MAX);
    if (rc == CT_OK && ct_buf_append(&out, stage, staged) != CT_OK)
        rc = fail_at(err, CT_ENOMEM, cur_path(r), r->size, "out-of-memory",
                     "cannot hold the decoded hex in memory");
    if (rc != CT_OK) {
        ct_buf_release(&out);
        return rc;
    }
    if (r->fd >= 0) {
        close(r->fd);
        r->fd = -1;
    }
    ct_buf_release(&r->membuf);
    r->membuf = out;
    r->mem = out.data;
    r->size = out.len;
    r->key = NULL; /* the decoded bytes are not the bytes on disk */
    return CT_OK;
}

/* True when the file holds one raw block: at least a header, whose hash meets the network's
 * proof-of-work limit (a random 80 bytes do so with odds of 2^-32 on mainnet). */
static int looks_raw_block(ct_btc_reader *r, bool *yes, ct_error *err)
{
    const uint8_t *p;
    size_t got;
    uint8_t hash[32];
    *yes = false;
    int rc = view(r, 0, CT_BTC_HEADER_SIZE, &p, &got, err);
    if (rc != CT_OK || got < CT_BTC_HEADER_SIZE)
        return rc;
    ct_sha256d(hash, p, CT_BTC_HEADER_SIZE);
    /* hash is a little-endian number, pow_limit big-endian */
    for (int i = 0; i < 32; i++) {
        if (hash[31 - i] != r->net->pow_limit[i]) {
            *yes = hash[31 - i] < r->net->pow_limit[i];
            return CT_OK;
        }
    }
    *yes = true;
    return CT_OK;
}

static bool starts_with_magic(ct_btc_reader *r, ct_error *err, int *rc)
{
    const uint8_t *p;
    size_t got;
    *rc = view(r, 0, 4, &p, &got, err);
    return *rc == CT_OK && got == 4 && ct_btc_params_by_magic(p) != NULL;
}

/* Decides how a file given on its own is read: blk records when it starts with a known
 * magic; hex text is decoded first and then decided on; a raw block; and otherwise blk
 * records again, so that a file without a magic is reported rather than skipped. */
static int classify(ct_btc_reader *r, ct_error *err)
{
    int rc;
    bool yes;
    r->mode = MODE_BLK;
    if (starts_with_magic(r, err, &rc) || rc != CT_OK)
        return rc;
    if ((rc = looks_hex(r, &yes, err)) != CT_OK)
        return rc;
    if (yes) {
        if ((rc = hex_to_memory(r, err)) != CT_OK)
            return rc;
        if (starts_with_magic(r, err, &rc) || rc != CT_OK)
            return rc;
    }
    if ((rc = looks_raw_block(r, &yes, err)) != CT_OK)
        return rc;
    if (yes)
        r->mode = MODE_RAW;
    return CT_OK;
}

/* Closes the open file and moves on to the next one. */
static void file_end(ct_btc_reader *r)
{
    if (r->fd >= 0)
        close(r->fd);
    r->fd = -1;
    r->mem = NULL;
    ct_buf_reset(&r->membuf);
    r->open = false;
    r->last_ok = false;
    r->cur++;
}

/* Opens files[cur] and decides how to read it. */
static int file_begin(ct_btc_reader *r, ct_error *err)
{
    const rd_file *f = &r->files[r->cur];
    char eb[128];
    int rc;
    r->open = true;
    r->mode = MODE_BLK;
    r->fd = -1;
    r->mem = NULL;
    r->size = 0;
    r->key = f->obfuscated ? f->key : NULL;
    r->win_off = 0;
    r->win_len = 0;
    r->pos = 0;
    r->quiet_until = 0;
    r->seen_magic = false;
    r->last_ok = false;

    if (f->is_stdin) {
        if ((rc = slurp(r, STDIN_FILENO, err)) != CT_OK)
            return rc;
    } else {
        /* O_NONBLOCK: a file replaced by a FIFO since it was listed must not block the
         * open; only regular files are read by path (add_path). */
        int fd = open(f->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        struct stat st;
        if (fd < 0)
            return fail_at(err, CT_EIO, f->path, 0, "cannot-open", "%s",
                           errno_text(errno, eb, sizeof(eb)));
        if (fstat(fd, &st) != 0) {
            rc = fail_at(err, CT_EIO, f->path, 0, "cannot-open", "%s",
                         errno_text(errno, eb, sizeof(eb)));
            close(fd);
            return rc;
        }
        if (!S_ISREG(st.st_mode)) {
            rc = fail_at(err, CT_EIO, f->path, 0, "not-a-file", "%s, not a regular file",
                         ct_file_kind((unsigned)st.st_mode));
            close(fd);
            return rc;
        }
        r->fd = fd;
        r->size = (uint64_t)st.st_size;
    }
    if (!f->from_dir && (rc = classify(r, err)) != CT_OK)
        return rc;
    if (r->mode == MODE_BLK && f->start > 0 && f->start < r->size) {
        r->pos = f->start;
        r->quiet_until = f->start;
        r->seen_magic = true; /* the part before the resume point had records */
    }
    return CT_OK;
}

/* ---- blk framing ---- */

/* Offset of the first network magic at or after `from`, or UINT64_MAX. */
static int find_magic(ct_btc_reader *r, uint64_t from, uint64_t *found, ct_error *err)
{
    const uint8_t *m = r->net->magic;
    *found = UINT64_MAX;
    for (uint64_t off = from; off + 4 <= r->size;) {
        const uint8_t *p;
        size_t got;
        int rc = view(r, off, SCAN_CHUNK, &p, &got, err);
        if (rc != CT_OK)
            return rc;
        if (got < 4)
            break;
        for (size_t i = 0; i + 4 <= got;) {
            const uint8_t *q = memchr(p + i, m[0], got - 3 - i);
            if (!q)
                break;
            if (memcmp(q, m, 4) == 0) {
                *found = off + (uint64_t)(q - p);
                return CT_OK;
            }
            i = (size_t)(q - p) + 1;
        }
        off += got - 3;
    }
    return CT_OK;
}

/* Whether every byte on disk from `from` to the end of the file is zero (a preallocated
 * tail; in an obfuscated file those zeros were never XORed). */
static int all_zero(ct_btc_reader *r, uint64_t from, bool *yes, ct_error *err)
{
    *yes = false;
    for (uint64_t off = from; off < r->size;) {
        const uint8_t *p;
        size_t got;
        int rc = view(r, off, SCAN_CHUNK, &p, &got, err);
        if (rc != CT_OK)
            return rc;
        if (got == 0)
            break;
        for (size_t i = 0; i < got; i++)
            if (p[i] != (r->key ? r->key[(off + i) & 7] : 0))
                return CT_OK;
        off += got;
    }
    *yes = true;
    return CT_OK;
}

/* After reporting skipped bytes: go on at the magic `next`, or with the next file when the
 * search found none (UINT64_MAX). */
static void resume_at(ct_btc_reader *r, uint64_t next)
{
    if (next == UINT64_MAX) {
        file_end(r);
    } else {
        r->pos = next;
        r->quiet_until = next;
    }
}

/* The bytes at pos are not a record: find the next magic. Bytes from quiet_until on that
 * are passed over are reported as "junk-skipped", unless they run zero to the end. */
static int resync(ct_btc_reader *r, ct_error *err)
{
    uint64_t start = r->pos > r->quiet_until ? r->pos : r->quiet_until, next;
    bool zero;
    int rc = find_magic(r, r->pos, &next, err);
    if (rc != CT_OK)
        return rc;
    if (next != UINT64_MAX && start >= next) {
        r->pos = next;
        return STEP_AGAIN;
    }
    uint64_t end = next != UINT64_MAX ? next : r->size;
    if (next == UINT64_MAX) {
        if (start >= r->size)
            return STEP_FILE_DONE;
        if ((rc = all_zero(r, start, &zero, err)) != CT_OK)
            return rc;
        if (zero)
            return STEP_FILE_DONE;
        if (start == 0 && !r->seen_magic) {
            rc = fail_at(err, CT_ECORRUPT, cur_path(r), 0, "no-magic",
                         "no %s magic in %llu bytes%s%s", r->net->name, (unsigned long long)r->size,
                         r->files[r->cur].from_dir ? "" : ": not blk records, a raw block or hex",
                         r->key ? " (de-obfuscated with xor.dat)" : "");
            file_end(r);
            return rc;
        }
    }
    rc = fail_at(err, CT_ECORRUPT, cur_path(r), start, "junk-skipped",
                 "skipped %llu bytes (%llu..%llu)", (unsigned long long)(end - start),
                 (unsigned long long)start, (unsigned long long)end);
    resume_at(r, next);
    return rc;
}

static int truncated(ct_btc_reader *r, uint64_t need, uint64_t have, ct_error *err)
{
    int rc = fail_at(err, CT_ETRUNCATED, cur_path(r), r->pos, "truncated-record",
                     "record needs %llu bytes, only %llu remain before the end of the file",
                     (unsigned long long)need, (unsigned long long)have);
    file_end(r);
    return rc;
}

/* A size field out of range: reject the record and resync from its magic + 1. */
static int bad_size(ct_btc_reader *r, uint32_t len, ct_error *err)
{
    uint64_t next;
    int rc = find_magic(r, r->pos + 1, &next, err);
    if (rc != CT_OK)
        return rc;
    uint64_t end = next != UINT64_MAX ? next : r->size;
    rc = fail_at(err, CT_ECORRUPT, cur_path(r), r->pos, "bad-record-size",
                 "size field %lu is outside %u..%lu; skipped %llu bytes (%llu..%llu)",
                 (unsigned long)len, CT_BTC_HEADER_SIZE, (unsigned long)r->max_record,
                 (unsigned long long)(end - r->pos), (unsigned long long)r->pos,
                 (unsigned long long)end);
    r->seen_magic = true;
    resume_at(r, next);
    return rc;
}

/* One framing step at pos: a record, a silent move, the end of the file, or an error. */
static int blk_step(ct_btc_reader *r, ct_btc_record *rec, ct_error *err)
{
    const uint8_t *p, *m = r->net->magic;
    size_t got;
    int rc;
    if (r->pos >= r->size)
        return STEP_FILE_DONE;
    if ((rc = view(r, r->pos, 8, &p, &got, err)) != CT_OK)
        return rc;
    if (got == 0)
        return STEP_FILE_DONE; /* the file got shorter */
    if (memcmp(p, m, got < 4 ? got : 4) == 0) {
        if (got < 8)
            return truncated(r, 8, got, err);
        uint32_t len = ct_le32(p + 4);
        if (len < CT_BTC_HEADER_SIZE || len > r->max_record)
            return bad_size(r, len, err);
        if ((rc = view(r, r->pos + 8, len, &p, &got, err)) != CT_OK)
            return rc;
        if (got < len)
            return truncated(r, 8 + (uint64_t)len, 8 + (uint64_t)got, err);
        rec->data = p;
        rec->len = len;
        rec->file = cur_path(r);
        rec->file_index = (uint32_t)r->cur;
        rec->offset = r->pos;
        rec->data_offset = r->pos + 8;
        rec->rereadable = r->mem == NULL;
        r->last_ok = true;
        r->last_off = r->pos;
        r->seen_magic = true;
        r->pos += 8 + (uint64_t)len;
        r->quiet_until = r->pos;
        return STEP_RECORD;
    }
    const ct_btc_params *other = got >= 4 ? ct_btc_params_by_magic(p) : NULL;
    if (other && r->pos >= r->quiet_until)
        return fail_at(err, CT_ENETWORK, cur_path(r), r->pos, "network-mismatch",
                       "%s magic %02x%02x%02x%02x where a %s record (%02x%02x%02x%02x) was "
                       "expected",
                       other->name, p[0], p[1], p[2], p[3], r->net->name, m[0], m[1], m[2], m[3]);
    return resync(r, err);
}

/* The one record of a raw block file. */
static int raw_step(ct_btc_reader *r, ct_btc_record *rec, ct_error *err)
{
    const uint8_t *p;
    size_t got;
    if (r->pos > 0)
        return STEP_FILE_DONE;
    if (r->size > r->max_record) {
        int rc = fail_at(err, CT_ECORRUPT, cur_path(r), 0, "bad-record-size",
                         "raw block of %llu bytes is larger than %lu", (unsigned long long)r->size,
                         (unsigned long)r->max_record);
        file_end(r);
        return rc;
    }
    uint64_t want = r->size;
    int rc = view(r, 0, (size_t)want, &p, &got, err);
    if (rc != CT_OK)
        return rc;
    if (got < want)
        return truncated(r, want, got, err); /* the file got shorter */
    r->pos = r->size;
    rec->data = p;
    rec->len = got;
    rec->file = cur_path(r);
    rec->file_index = (uint32_t)r->cur;
    rec->offset = 0;
    rec->data_offset = 0;
    rec->rereadable = r->mem == NULL;
    return STEP_RECORD;
}

int ct_btc_reader_next(ct_btc_reader *r, ct_btc_record *rec, ct_error *err)
{
    ct_error local;
    if (!err)
        err = &local;
    ct_error_clear(err);
    if (!r || !rec)
        return ct_fail(err, CT_EINVAL, "bad-argument", "reader and record are required");
    if (r->fatal) {
        *err = r->fatal_err;
        return r->fatal;
    }
    r->last_ok = false;
    for (;;) {
        int rc;
        if (!r->open) {
            if (r->cur >= r->nfiles) {
                err->code = CT_EEOF;
                return CT_EEOF;
            }
            rc = file_begin(r, err);
            if (rc != CT_OK) {
                if (rc == CT_EIO)
                    break;
                file_end(r);
                return rc;
            }
        }
        rc = r->mode == MODE_RAW ? raw_step(r, rec, err) : blk_step(r, rec, err);
        if (rc == STEP_RECORD)
            return CT_OK;
        if (rc == STEP_FILE_DONE) {
            file_end(r);
            continue;
        }
        if (rc == STEP_AGAIN)
            continue;
        if (rc == CT_EIO || rc == CT_ENETWORK)
            break;
        return rc;
    }
    r->fatal = err->code;
    r->fatal_err = *err;
    return r->fatal;
}

void ct_btc_reader_reject(ct_btc_reader *r)
{
    if (!r || !r->last_ok)
        return;
    r->pos = r->last_off + 1; /* quiet_until stays at the record's end */
    r->last_ok = false;
}

void ct_btc_reader_set_start(ct_btc_reader *r, size_t i, uint64_t offset)
{
    if (r && i < r->nfiles)
        r->files[i].start = offset;
}

void ct_btc_reader_restart_file(ct_btc_reader *r)
{
    if (!r || !r->open || r->mode != MODE_BLK)
        return;
    r->pos = r->files[r->cur].start;
    r->quiet_until = r->pos;
    r->last_ok = false;
}

/* ---- opening: the list of files ---- */

static char *path_join(const char *dir, const char *name)
{
    size_t dl = strlen(dir), nl = strlen(name), n;
    bool slash = dl > 0 && dir[dl - 1] == '/';
    if (!ct_add_ok(dl, nl, &n) || !ct_add_ok(n, 2, &n))
        return NULL;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s%s%s", dir, slash ? "" : "/", name);
    return p;
}

/* The directory part of a file path ("." when there is none). */
static char *path_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return strdup(".");
    size_t n = slash == path ? 1 : (size_t)(slash - path);
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, path, n);
        d[n] = '\0';
    }
    return d;
}

/* Reads DIR/xor.dat into key. *nonzero is false when there is no file or the key is all
 * zero (both mean plain files). */
static int load_xor_key(const char *dir, uint8_t key[8], bool *nonzero,
                        const ct_btc_reader_options *opts, ct_error *err)
{
    char eb[128];
    struct stat st;
    int rc = CT_OK;
    *nonzero = false;
    memset(key, 0, 8);
    char *path = path_join(dir, "xor.dat");
    if (!path)
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "cannot build a path");
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK); /* a FIFO must not block */
    if (fd < 0) {
        if (errno != ENOENT)
            rc = fail_at(err, CT_EIO, path, 0, "cannot-open", "%s",
                         errno_text(errno, eb, sizeof(eb)));
        free(path);
        return rc;
    }
    if (fstat(fd, &st) != 0) {
        rc = fail_at(err, CT_EIO, path, 0, "cannot-open", "%s", errno_text(errno, eb, sizeof(eb)));
    } else if (!S_ISREG(st.st_mode) || st.st_size != 8) {
        rc = fail_at(err, CT_ECORRUPT, path, 0, "bad-xor-key",
                     "xor.dat holds %lld bytes; the obfuscation key is exactly 8",
                     S_ISREG(st.st_mode) ? (long long)st.st_size : -1LL);
    } else {
        size_t got = 0;
        while (got < 8) {
            ssize_t n = pread(fd, key + got, 8 - got, (off_t)got);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                rc = fail_at(err, CT_EIO, path, got, "read-failed", "%s",
                             n < 0 ? errno_text(errno, eb, sizeof(eb)) : "file got shorter");
                break;
            }
            got += (size_t)n;
        }
    }
    close(fd);
    if (rc == CT_OK) {
        for (int i = 0; i < 8; i++)
            *nonzero |= key[i] != 0;
        if (*nonzero && opts->xor_mode == CT_BTC_XOR_PLAIN)
            rc = fail_at(err, CT_EINVAL, path, 0, "xor-key-contradiction",
                         "the files were declared plain but xor.dat holds a non-zero key");
    }
    free(path);
    return rc;
}

/* 0..99999 for a name "blk" + 5 digits + ".dat", else -1. */
static long blk_number(const char *name)
{
    long n = 0;
    if (strlen(name) != 12 || memcmp(name, "blk", 3) != 0 || memcmp(name + 8, ".dat", 5) != 0)
        return -1;
    for (int i = 3; i < 8; i++) {
        if (name[i] < '0' || name[i] > '9')
            return -1;
        n = n * 10 + (name[i] - '0');
    }
    return n;
}

static int cmp_long(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

static int add_file(ct_btc_reader *r, size_t *cap, char *path, const uint8_t key[8],
                    bool obfuscated, bool from_dir, bool is_stdin, ct_error *err)
{
    if (!path)
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "cannot build a path");
    if (r->nfiles == *cap) {
        size_t ncap = *cap ? *cap * 2 : 16, bytes;
        rd_file *nf = ct_mul_ok(ncap, sizeof(*nf), &bytes) ? realloc(r->files, bytes) : NULL;
        if (!nf) {
            free(path);
            return ct_fail(err, CT_ENOMEM, "out-of-memory", "cannot grow the file list");
        }
        r->files = nf;
        *cap = ncap;
    }
    rd_file *f = &r->files[r->nfiles++];
    memset(f, 0, sizeof(*f));
    f->path = path;
    memcpy(f->key, key, 8);
    f->obfuscated = obfuscated;
    f->from_dir = from_dir;
    f->is_stdin = is_stdin;
    return CT_OK;
}

/* Adds the blk?????.dat files of a blocks/ directory in numeric order. */
static int add_directory(ct_btc_reader *r, size_t *cap, const char *dir,
                         const ct_btc_reader_options *opts, ct_error *err)
{
    uint8_t key[8];
    bool nonzero;
    long *nums = NULL;
    size_t n = 0, ncap = 0;
    char eb[128];
    int rc = load_xor_key(dir, key, &nonzero, opts, err);
    if (rc != CT_OK)
        return rc;
    DIR *d = opendir(dir);
    if (!d)
        return fail_at(err, CT_EIO, dir, 0, "cannot-open", "%s", errno_text(errno, eb, sizeof(eb)));
    for (;;) {
        errno = 0;
        struct dirent *e = readdir(d);
        if (!e) {
            if (errno != 0)
                rc = fail_at(err, CT_EIO, dir, 0, "read-failed", "%s",
                             errno_text(errno, eb, sizeof(eb)));
            break;
        }
        long num = blk_number(e->d_name);
        if (num < 0)
            continue;
        if (n == ncap) {
            size_t bytes;
            ncap = ncap ? ncap * 2 : 64;
            long *nn = ct_mul_ok(ncap, sizeof(*nn), &bytes) ? realloc(nums, bytes) : NULL;
            if (!nn) {
                rc = ct_fail(err, CT_ENOMEM, "out-of-memory", "cannot list %s", dir);
                break;
            }
            nums = nn;
        }
        nums[n++] = num;
    }
    closedir(d);
    if (rc == CT_OK && n == 0)
        rc = fail_at(err, CT_EIO, dir, 0, "no-blk-files",
                     "the directory holds no blk?????.dat file (is it Bitcoin Core's blocks/?)");
    if (rc == CT_OK)
        qsort(nums, n, sizeof(*nums), cmp_long);
    for (size_t i = 0; i < n && rc == CT_OK; i++) {
        char name[32];
        snprintf(name, sizeof(name), "blk%05ld.dat", nums[i]);
        rc = add_file(r, cap, path_join(dir, name), key, nonzero, true, false, err);
    }
    free(nums);
    return rc;
}

static int add_path(ct_btc_reader *r, size_t *cap, const char *path,
                    const ct_btc_reader_options *opts, ct_error *err)
{
    static const uint8_t no_key[8] = {0};
    char eb[128];
    struct stat st;
    if (strcmp(path, "-") == 0) {
        for (size_t i = 0; i < r->nfiles; i++)
            if (r->files[i].is_stdin)
                return fail_at(err, CT_EINVAL, STDIN_NAME, 0, "bad-argument",
                               "standard input given twice");
        return add_file(r, cap, strdup(STDIN_NAME), no_key, false, false, true, err);
    }
    if (stat(path, &st) != 0)
        return fail_at(err, CT_EIO, path, 0, "cannot-open", "%s",
                       errno_text(errno, eb, sizeof(eb)));
    if (S_ISDIR(st.st_mode))
        return add_directory(r, cap, path, opts, err);
    if (!S_ISREG(st.st_mode)) /* a FIFO without a writer would hang, /dev/zero never end */
        return fail_at(err, CT_EIO, path, 0, "not-a-file",
                       "%s, not a regular file or a directory ('-' reads standard input)",
                       ct_file_kind((unsigned)st.st_mode));
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return fail_at(err, CT_EIO, path, 0, "cannot-open", "%s",
                       errno_text(errno, eb, sizeof(eb)));
    close(fd);
    char *dir = path_dir(path);
    if (!dir)
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "cannot build a path");
    uint8_t key[8];
    bool nonzero;
    int rc = load_xor_key(dir, key, &nonzero, opts, err);
    free(dir);
    if (rc != CT_OK)
        return rc;
    return add_file(r, cap, strdup(path), key, nonzero, false, false, err);
}

int ct_btc_reader_open(ct_btc_reader **out, const char *const *paths, size_t npaths,
                       const ct_btc_reader_options *opts, ct_error *err)
{
    ct_error_clear(err);
    if (out)
        *out = NULL;
    if (!out || !paths || npaths == 0 || !opts)
        return ct_fail(err, CT_EINVAL, "bad-argument", "an output, paths and options are required");
    if (opts->version != CT_BTC_READER_OPTIONS_VERSION || !opts->net ||
        (opts->xor_mode != CT_BTC_XOR_AUTO && opts->xor_mode != CT_BTC_XOR_PLAIN) ||
        (opts->max_record != 0 && opts->max_record < CT_BTC_HEADER_SIZE))
        return ct_fail(err, CT_EINVAL, "bad-option",
                       "options need version %d, a network, a known xor mode and max_record "
                       "0 or >= %u",
                       CT_BTC_READER_OPTIONS_VERSION, CT_BTC_HEADER_SIZE);

    ct_btc_reader *r = calloc(1, sizeof(*r));
    if (!r)
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "cannot allocate the reader");
    r->net = opts->net;
    r->max_record = opts->max_record ? opts->max_record : DEFAULT_MAX_RECORD;
    r->fd = -1;
    ct_buf_init(&r->membuf, MEM_INPUT_MAX);
    if (!ct_add_ok(r->max_record, 8, &r->win_cap)) {
        ct_btc_reader_free(r);
        return ct_fail(err, CT_EINVAL, "bad-option", "max_record too large");
    }
    if (r->win_cap < WINDOW_MIN)
        r->win_cap = WINDOW_MIN;
    r->win = malloc(r->win_cap);
    if (!r->win) {
        ct_btc_reader_free(r);
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "cannot allocate a %zu-byte read window",
                       r->win_cap);
    }
    size_t cap = 0;
    for (size_t i = 0; i < npaths; i++) {
        int rc = paths[i] ? add_path(r, &cap, paths[i], opts, err)
                          : ct_fail(err, CT_EINVAL, "bad-argument", "path %zu is NULL", i);
        if (rc != CT_OK) {
            ct_btc_reader_free(r);
            return rc;
        }
    }
    *out = r;
    return CT_OK;
}

size_t ct_btc_reader_file_count(const ct_btc_reader *r)
{
    return r ? r->nfiles : 0;
}

const char *ct_btc_reader_file_path(const ct_btc_reader *r, size_t i)
{
    return r && i < r->nfiles ? r->files[i].path : NULL;
}

void ct_btc_reader_free(ct_btc_reader *r)
{
    if (!r)
        return;
    if (r->fd >= 0)
        close(r->fd);
    ct_buf_release(&r->membuf);
    free(r->win);
    for (size_t i = 0; i < r->nfiles; i++)
        free(r->files[i].path);
    free(r->files);
    free(r);
}

int ct_btc_file_read_at(const char *path, uint64_t offset, uint8_t *buf, size_t len, ct_error *err)
{
    ct_btc_reader_options auto_opts = CT_BTC_READER_OPTIONS_INIT;
    uint8_t key[8];
    bool nonzero;
    char eb[128];
    ct_error_clear(err);
    if (!path || (!buf && len > 0))
        return ct_fail(err, CT_EINVAL, "bad-argument", "a path and a buffer are required");
    if ((uint64_t)len > (uint64_t)INT64_MAX || offset > (uint64_t)INT64_MAX - (uint64_t)len)
        return fail_at(err, CT_EINVAL, path, offset, "bad-argument",
                       "range of %zu bytes at offset %llu is out of bounds", len,
                       (unsigned long long)offset);
    char *dir = path_dir(path);
    if (!dir)
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "cannot build a path");
    int rc = load_xor_key(dir, key, &nonzero, &auto_opts, err);
    free(dir);
    if (rc != CT_OK)
        return rc;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK); /* a FIFO must not block */
    if (fd < 0)
        return fail_at(err, CT_EIO, path, offset, "cannot-open", "%s",
                       errno_text(errno, eb, sizeof(eb)));
    struct stat st;
    bool stat_ok = fstat(fd, &st) == 0;
    if (!stat_ok || !S_ISREG(st.st_mode)) {
        rc = fail_at(err, CT_EIO, path, offset, "cannot-open", "%s",
                     stat_ok ? "not a regular file" : errno_text(errno, eb, sizeof(eb)));
        close(fd);
        return rc;
    }
    size_t got = 0;
    while (got < len) {
        ssize_t n = pread(fd, buf + got, len - got, (off_t)(offset + got));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = fail_at(err, CT_EIO, path, offset + got, "read-failed", "%s",
                         errno_text(errno, eb, sizeof(eb)));
            break;
        }
        if (n == 0) {
            rc = fail_at(err, CT_ETRUNCATED, path, offset, "file-too-short",
                         "the file ends at %llu, before the %zu bytes at %llu end",
                         (unsigned long long)(offset + got), len, (unsigned long long)offset);
            break;
        }
        got += (size_t)n;
    }
    close(fd);
    if (rc == CT_OK && nonzero)
        xor_bytes(buf, len, offset, key);
    return rc;
}
