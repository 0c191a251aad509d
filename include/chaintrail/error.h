/* chaintrail error model.
 *
 * Every fallible function returns int: 0 (CT_OK) on success, a negative CT_E* code on failure.
 * Where a function can fail on bad data it also takes a caller-owned `ct_error *` (may be NULL)
 * that receives a short machine-readable reason (Bitcoin Core's reason strings where one
 * exists, e.g. "bad-txnmrklroot"), a human detail, and the position: file, byte offset, block
 * hash, transaction index. ct_error needs no allocation, so out-of-memory can be reported too.
 */
#ifndef CHAINTRAIL_ERROR_H
#define CHAINTRAIL_ERROR_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define CT_WARN_UNUSED  __attribute__((warn_unused_result))
#define CT_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define CT_WARN_UNUSED
#define CT_PRINTF(f, a)
#endif

enum {
    CT_OK = 0,
    CT_EINVAL = -1,      /* bad argument or option from the caller */
    CT_ENOMEM = -2,      /* allocation failed or a size limit was hit */
    CT_ECORRUPT = -3,    /* bad chain data: the unit is rejected */
    CT_EIO = -4,         /* read/write/open failed */
    CT_ENOTFOUND = -5,   /* lookup found nothing */
    CT_ETRUNCATED = -6,  /* input ends in the middle of a record */
    CT_ENETWORK = -7,    /* data of another network than the one configured */
    CT_EEOF = -8,        /* no more records (not an error for iterators) */
    CT_ELOCKED = -9,     /* database held by another process */
    CT_EVERSION = -10,   /* database or file of an unsupported version */
    CT_EDBCORRUPT = -11, /* the database failed a checksum or holds a malformed row */
};

/* Returns a static, lowercase description of a CT_E* code. */
const char *ct_strerror(int code);

#define CT_ERROR_REASON_MAX 48
#define CT_ERROR_DETAIL_MAX 256
#define CT_ERROR_FILE_MAX   256

/* Caller-owned error record. Fields that are unknown stay at their "unset" value:
 * empty strings, offset UINT64_MAX, tx_index -1, height -1. */
typedef struct ct_error {
    int code;
    char reason[CT_ERROR_REASON_MAX];
    char detail[CT_ERROR_DETAIL_MAX];
    char file[CT_ERROR_FILE_MAX];
    uint64_t offset;
    char block_hash[65]; /* display (big-endian) hex */
    int64_t tx_index;
    int64_t height;
} ct_error;

/* Resets every field to "unset" (code CT_OK). */
void ct_error_clear(ct_error *err);

/* Sets err->file to `file` (truncated to fit). err may be NULL. */
void ct_error_set_file(ct_error *err, const char *file);

/* Formats the error as one line: "FILE: offset N: block H: tx I: REASON: DETAIL"
 * (parts that are unset are left out) into buf (always NUL-terminated).
 * Returns the length that the full line needs, as snprintf does. */
size_t ct_error_format(const ct_error *err, char *buf, size_t size);

#ifdef __cplusplus
}
#endif
#endif
