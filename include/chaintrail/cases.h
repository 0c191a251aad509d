/* chaintrail cases: the investigations kept in the database (table K of docs/storage.md).
 * A case has a name, the day of the theft, an optional victim, and the sources the tracer
 * starts from: addresses, transactions, or single outputs, kept as the user wrote them and
 * checked for syntax only (whether the database holds them is the tracer's business).
 *
 * Argument order, as everywhere in chaintrail: the handle, then outputs, then inputs, then
 * options, then the caller-owned ct_error (may be NULL).
 */
#ifndef CHAINTRAIL_CASES_H
#define CHAINTRAIL_CASES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chaintrail/bitcoin.h"
#include "chaintrail/db.h"
#include "chaintrail/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CT_CASE_NAME_MAX    64    /* 1 to 64 of A-Z a-z 0-9 . _ - */
#define CT_CASE_VICTIM_MAX  256   /* bytes of UTF-8 text, no control characters */
#define CT_CASE_SOURCES_MAX 10000 /* sources per case */
#define CT_CASE_SOURCE_MAX  96    /* longest source text plus NUL (an address: 95) */

typedef enum ct_case_source_kind {
    CT_CASE_ADDRESS = 1,     /* an address of any Bitcoin-family network */
    CT_CASE_TX = 2,          /* TXID: every output of the transaction */
    CT_CASE_OUTPUT = 3,      /* TXID:VOUT: one output */
    CT_CASE_ETH_ADDRESS = 4, /* Ethereum: "0x" + 40 hex digits (EIP-55 when mixed case) */
    CT_CASE_ETH_TX = 5,      /* Ethereum: "0x" + 64 hex digits, a transaction hash */
    CT_CASE_SCRIPT = 6,      /* an output without an address: script:<lowercase hex> or its
                              * stored key script-<64 lowercase hex> (docs/addresses.md) */
} ct_case_source_kind;

/* One source of a case, as written ("text") and as understood. */
typedef struct ct_case_source {
    char text[CT_CASE_SOURCE_MAX];
    ct_case_source_kind kind;
    const ct_btc_params *net; /* CT_CASE_ADDRESS: the network of the address (static) */
    uint8_t txid[32];         /* CT_CASE_TX, CT_CASE_OUTPUT: internal byte order */
    uint32_t vout;            /* CT_CASE_OUTPUT */
} ct_case_source;

/* Parses a source: an address (ct_btc_addr_decode on every known network), a txid of 64
 * hex digits (either case), or TXID:VOUT with VOUT a decimal number from 0 to 4294967295
 * without leading zeros; or, for Ethereum, "0x" + 40 hex digits (an address: all lower or
 * all upper case, or the EIP-55 checksum) or "0x" + 64 hex digits (a transaction hash).
 * Returns CT_OK or CT_EINVAL ("bad-source", with the address decoder's reason in the
 * detail). */
CT_WARN_UNUSED int ct_case_source_parse(ct_case_source *out, const char *text, ct_error *err);

/* The one check of a source or address that every command applies (trace --from, case add,
 * show address, labels): as ct_case_source_parse, and when `net` is not NULL a Bitcoin
 * address must be one of `net` ("wrong-network" otherwise). A script:<hex> identity may be
 * longer than CT_CASE_SOURCE_MAX; out->text is then "" (the caller keeps the text). */
CT_WARN_UNUSED int ct_source_parse(ct_case_source *out, const char *text, const ct_btc_params *net,
                                   ct_error *err);

/* True when `name` is a valid case name: 1 to CT_CASE_NAME_MAX of A-Z a-z 0-9 . _ - */
bool ct_case_name_valid(const char *name);

typedef struct ct_case {
    char name[CT_CASE_NAME_MAX + 1];
    uint32_t date;                       /* the day of the theft (see ct_day_parse) */
    char victim[CT_CASE_VICTIM_MAX + 1]; /* "" when none */
    size_t n_sources;                    /* 1 to CT_CASE_SOURCES_MAX */
    ct_case_source *sources;             /* n_sources entries */
    uint64_t created;                    /* Unix seconds: first written */
    uint64_t updated;                    /* Unix seconds: last written */
} ct_case;

/* Releases what ct_case_get or ct_case_list put in a case (its sources); the struct can be
 * filled again. NULL is accepted. */
void ct_case_release(ct_case *c);

/* Writes a case. c->name, date, victim and the text of each source are used (each source
 * is parsed again; kinds and txids given are ignored). `now` is the time to record: a new
 * case gets created = updated = now; a replaced one keeps its created time.
 * Returns CT_OK; CT_EINVAL with err->reason "bad-name", "bad-date", "bad-victim",
 * "bad-source", "duplicate-source", "no-sources", "too-many-sources", or "case-exists"
 * when a case of that name exists and !replace; CT_EIO; CT_EDBCORRUPT. */
CT_WARN_UNUSED int ct_case_put(ct_db *db, const ct_case *c, bool replace, uint64_t now,
                               ct_error *err);

/* Reads a case into *out (release it with ct_case_release). Returns CT_OK; CT_ENOTFOUND;
 * CT_EINVAL (a bad name); CT_EDBCORRUPT (a malformed row); CT_EIO; CT_ENOMEM. On error
 * *out holds nothing to release. */
CT_WARN_UNUSED int ct_case_get(ct_db *db, ct_case *out, const char *name, ct_error *err);

/* Reads every case, sorted by name (bytewise ASCII: - . 0-9 A-Z _ a-z), into *out
 * (*n entries; NULL when none), all read from one consistent view. Free with
 * ct_case_list_free. Returns CT_OK, CT_EDBCORRUPT, CT_EIO, CT_ENOMEM. */
CT_WARN_UNUSED int ct_case_list(ct_db *db, ct_case **out, size_t *n, ct_error *err);
void ct_case_list_free(ct_case *cases, size_t n);

/* Deletes a case. Returns CT_OK; CT_ENOTFOUND; CT_EINVAL (a bad name); CT_EIO. */
CT_WARN_UNUSED int ct_case_del(ct_db *db, const char *name, ct_error *err);

#ifdef __cplusplus
}
#endif
#endif
