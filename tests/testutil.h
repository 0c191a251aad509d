/* Helpers shared by the Criterion tests: fixture paths, whole-file reads, hex files, and
 * running the built chaintrail binary with its output captured. */
#ifndef CT_TESTUTIL_H
#define CT_TESTUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Returns a malloc'd path CT_FIXTURES "/" rel. */
char *tu_fixture(const char *rel);

/* Reads a whole file; returns malloc'd bytes (NUL-terminated, not counted in *len) or NULL. */
uint8_t *tu_read_file(const char *path, size_t *len);

/* Reads a fixture file (path relative to fixtures/); aborts the test when missing. */
uint8_t *tu_read_fixture(const char *rel, size_t *len);

/* Result of running the chaintrail binary. */
typedef struct tu_run {
    int status; /* exit code, or 128+signal */
    char *out;  /* stdout, NUL-terminated, malloc'd */
    size_t out_len;
    char *err; /* stderr, NUL-terminated, malloc'd */
    size_t err_len;
} tu_run;

/* Runs CT_BIN with argv (NULL-terminated, argv[0] not included), stdin from /dev/null,
 * environment LC_ALL=C plus `env` entries (NULL-terminated "K=V" list, may be NULL). */
void tu_exec(tu_run *r, const char *const *args, const char *const *env);
/* The same for another program of the build (e.g. chaintrail-sim): `bin` is its path. */
void tu_exec_bin(tu_run *r, const char *bin, const char *const *args, const char *const *env);
void tu_run_free(tu_run *r);

/* "[0,0,...,0]" with n zeros (n >= 1): the densest JSON, one value per 2 bytes. Returns
 * malloc'd text (NUL-terminated) and its length in *len. */
char *tu_dense_json(size_t n, size_t *len);

/* Counts lines (newline characters) in s. */
size_t tu_count_lines(const char *s);

/* Makes a fresh empty temporary directory; returns a malloc'd path. */
char *tu_tmpdir(void);
/* Asserts that the C library knows the locale `name` (e.g. "de_DE.UTF-8"; .ci/deps
 * generates it), so a test that runs the program under it checks something. */
void tu_require_locale(const char *name);
/* Removes a directory tree (rm -rf). */
void tu_rmtree(const char *path);
/* Writes bytes to a file; returns 0 or -1. */
int tu_write_file(const char *path, const void *data, size_t len);

/* ---- graph databases (through the library, not the binary) ---- */
/* Opens the database at `dir` (created when missing if `create`); asserts success. */
struct ct_db *tu_db_open(const char *dir, bool create);
/* A path "<fresh temporary directory>/db" where no database exists yet (malloc'd), and its
 * removal with the directory. */
char *tu_fresh_db(void);
void tu_fresh_db_done(char *path);
/* Ingests the fixtures `rel` (paths relative to fixtures/, NULL-terminated) as mainnet
 * blocks into the database at `dir` (created when missing), in one ct_ingest_bitcoin call;
 * asserts success and no rejected block. Returns the main-chain height reached. */
int64_t tu_ingest(const char *dir, const char *const *rel);
/* A fresh temporary database holding the first 4,313 mainnet blocks (malloc'd path). */
char *tu_db_first_4313(void);
/* Test-only writes that bypass the engine, to make a database inconsistent on purpose:
 * puts (val != NULL) or deletes (val == NULL) one row. */
void tu_db_poke(const char *dir, const void *key, size_t klen, const void *val, size_t vlen);
/* Reads one row into buf (at most cap bytes); returns its length, or -1 when absent. */
long tu_db_peek(const char *dir, const void *key, size_t klen, void *buf, size_t cap);
/* SHA-256 (lowercase hex) of every row of the database at `dir`, in key order, each row as
 * be32 key length, key, be32 value length, value: two databases with equal digests hold
 * exactly the same rows. */
void tu_db_raw_digest(const char *dir, char out[65]);

#endif
