/* The chaintrail program: command table, option parsing, exit codes and output helpers
 * shared by the cmd_*.c files. Built on the public API only. */
#ifndef CT_CLI_H
#define CT_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "chaintrail/chaintrail.h"

/* Exit codes, documented in docs/exit-codes.md; stable for cron jobs. */
enum {
    CT_EXIT_OK = 0,
    CT_EXIT_FAILURE = 1,  /* internal error, out of memory */
    CT_EXIT_USAGE = 2,    /* bad command line */
    CT_EXIT_DATA = 3,     /* bad input data: units rejected, truncated or foreign input */
    CT_EXIT_CORRUPT = 4,  /* the database is corrupt */
    CT_EXIT_IO = 5,       /* a file or directory could not be read or written */
    CT_EXIT_LOCKED = 6,   /* the database is locked by another process */
    CT_EXIT_VERSION = 7,  /* database of another schema version */
    CT_EXIT_NOTFOUND = 8, /* the address, transaction or block asked for is not in the database */
};

/* Options that come before the command name. */
typedef struct cli_global {
    const char *db_path; /* --db, else $CHAINTRAIL_DB, else ./chaintrail.db */
} cli_global;

typedef struct cli_command {
    const char *name;
    int (*run)(int argc, char **argv, const cli_global *g);
    const char *summary; /* one line for `chaintrail help` */
    const char *usage;   /* full help text for `chaintrail help CMD` */
} cli_command;

/* The commands, one cmd_<name>.c each. */
int cmd_decode(int argc, char **argv, const cli_global *g);
int cmd_help(int argc, char **argv, const cli_global *g);
int cmd_ingest(int argc, char **argv, const cli_global *g);
int cmd_labels(int argc, char **argv, const cli_global *g);
int cmd_rollback(int argc, char **argv, const cli_global *g);
int cmd_show(int argc, char **argv, const cli_global *g);
int cmd_stats(int argc, char **argv, const cli_global *g);
int cmd_verify(int argc, char **argv, const cli_global *g);
int cmd_version(int argc, char **argv, const cli_global *g);

/* The command table (main.c). */
extern const cli_command cli_commands[];
const cli_command *cli_find(const char *name);

/* ---- options ----
 * A command declares its options as a table; cli_parse fills the values and leaves the
 * positional arguments in argv[*first..argc). Numbers are parsed without locale, strictly:
 * "--hops=abc", "-1", "" or overflow are usage errors naming the option. */
typedef enum cli_opt_kind { CLI_FLAG, CLI_STRING, CLI_U64 } cli_opt_kind;

typedef struct cli_opt {
    const char *name; /* long name without "--" */
    cli_opt_kind kind;
    void *value; /* bool*, const char**, uint64_t* */
} cli_opt;

/* Returns CT_EXIT_OK, or CT_EXIT_USAGE after printing one line naming the problem.
 * `-h`/`--help` print the command's usage and return -1 (the caller exits 0). */
int cli_parse(const cli_command *cmd, const cli_opt *opts, int argc, char **argv, int *first);

/* Parses a whole decimal number (no sign, no spaces, no locale, no overflow). */
bool cli_parse_u64(const char *s, uint64_t *out);

/* The positional arguments of decode and ingest: "bitcoin" then PATH...; also resolves
 * --network. Returns CT_EXIT_OK or CT_EXIT_USAGE after printing what is wrong. */
int cli_chain_paths(const char *cmd, char **argv, int first, const char *network,
                    const ct_btc_params **net, char ***paths, size_t *npaths);

/* Prints "chaintrail: CMD: message" to stderr. */
void cli_error(const char *cmd, const char *fmt, ...) CT_PRINTF(2, 3);

/* Maps a CT_E* code to an exit code. */
int cli_exit_code(int ct_code);

/* ---- the database (opendb.c) ---- */
/* Opens the database of --db for reading (never creates one). On failure prints the reason
 * and returns the exit code: 5 no database there ("no database at PATH") or unreadable,
 * 6 locked, 7 other schema version, 4 corrupt; else CT_EXIT_OK with *db to ct_db_close. */
int cli_open_db(const char *cmd, const cli_global *g, ct_db **db);
/* Maps the error of a query on an open database to an exit code: 8 not found, 4 corrupt,
 * 5 I/O, 2 bad argument, 1 otherwise. */
int cli_db_exit_code(int ct_code);
/* Prints a query error ("chaintrail: CMD: detail") and returns cli_db_exit_code(rc). */
int cli_db_fail(const char *cmd, int rc, const ct_error *err);
/* The parameters of the database's network (mainnet when it has none yet). */
const ct_btc_params *cli_db_params(ct_db *db);

/* ---- output ---- */
/* Writes s as a JSON string (quotes included) with RFC 8259 escaping; bytes that are not
 * valid UTF-8 are written as \u00XX of the byte, deterministically. */
void cli_json_string(FILE *f, const char *s);
/* Writes satoshi as a decimal coin amount with 8 decimals ("10.00000000"). */
void cli_print_coin(FILE *f, uint64_t sat);
/* Writes bytes as lowercase hex. */
void cli_print_hex(FILE *f, const uint8_t *p, size_t n);
/* Writes a hash in display (reversed) hex. */
void cli_print_hash(FILE *f, const uint8_t hash[32]);
/* Writes Unix seconds as UTC "YYYY-MM-DDTHH:MM:SSZ" (no locale, no time zone). */
void cli_print_time(FILE *f, uint32_t t);
/* Checks that --format is "json" or "text" (exit 2 otherwise); sets *json. */
int cli_format(const char *cmd, const char *format, bool *json);

#endif
