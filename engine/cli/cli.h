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
    CT_EXIT_NOTFOUND = 8, /* what was asked for (address, tx, block, price, case) is not there */
    CT_EXIT_TOO_BIG = 9,  /* the answer would pass its size guard (trace --paths): not written */
    CT_EXIT_ALERTS = 10,  /* scan: a new or updated alert at or above --fail-on */
    CT_EXIT_UNDELIVERED = 11, /* scan: alerts left in the webhook outbox (docs/scan.md#webhook) */
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
int cmd_alerts(int argc, char **argv, const cli_global *g);
int cmd_case(int argc, char **argv, const cli_global *g);
int cmd_cluster(int argc, char **argv, const cli_global *g);
int cmd_decode(int argc, char **argv, const cli_global *g);
int cmd_export(int argc, char **argv, const cli_global *g);
int cmd_help(int argc, char **argv, const cli_global *g);
int cmd_ingest(int argc, char **argv, const cli_global *g);
int cmd_prices(int argc, char **argv, const cli_global *g);
int cmd_labels(int argc, char **argv, const cli_global *g);
int cmd_report(int argc, char **argv, const cli_global *g);
int cmd_rollback(int argc, char **argv, const cli_global *g);
int cmd_scan(int argc, char **argv, const cli_global *g);

/* ---- scan --webhook (scan_webhook.c, docs/scan.md "Webhook") ---- */
typedef struct cli_webhook {
    const char *url, *secret_path;
    uint64_t attempts, backoff_ms, connect_timeout_ms, timeout_ms, deadline_ms;
    bool deliver_only, outbox;
    uint8_t *secret; /* read by cli_webhook_start */
    size_t secret_len;
} cli_webhook;
#define CLI_WEBHOOK_INIT                                                                           \
    {                                                                                              \
        NULL, NULL, 4, 500, 5000, 10000, 120000, false, false, NULL, 0                             \
    }
/* The option table entries of scan's webhook options. */
/* clang-format off */
#define CLI_WEBHOOK_OPTS(w)                                                                        \
    {"webhook", CLI_STRING, &(w)->url}, {"webhook-secret", CLI_STRING, &(w)->secret_path},         \
        CLI_NUM("webhook-attempts", &(w)->attempts, 1, 10),                                        \
        CLI_NUM("webhook-backoff-ms", &(w)->backoff_ms, 0, 60000),                                 \
        CLI_NUM("webhook-connect-timeout-ms", &(w)->connect_timeout_ms, 10, 60000),                \
        CLI_NUM("webhook-timeout-ms", &(w)->timeout_ms, 10, 300000),                               \
        CLI_NUM("webhook-deadline-ms", &(w)->deadline_ms, 100, 3600000),                           \
        {"deliver-only", CLI_FLAG, &(w)->deliver_only}, {"outbox", CLI_FLAG, &(w)->outbox}
/* clang-format on */
/* True when any webhook option was given (besides the defaults). */
bool cli_webhook_given(const cli_webhook *w);
/* Checks the options given together and reads the secret file. Prints what is wrong and
 * returns the exit code (2 bad combination or secret refused, 5 unreadable), else 0. */
int cli_webhook_start(cli_webhook *w);
void cli_webhook_end(cli_webhook *w);
/* What a scan stages into the outbox with its alerts (include/chaintrail/scan.h): the
 * body of an alert is its JSON line as `scan` prints it, without the newline. */
ct_scan_outbox cli_webhook_outbox(void);
/* Delivers the outbox after a scan staged `st` (NULL: --deliver-only, nothing staged).
 * Prints the summary on stderr and returns the exit code: 0 all delivered,
 * CT_EXIT_UNDELIVERED alerts left, or an error's. */
int cli_webhook_run(const cli_webhook *w, ct_db *db, const ct_scan_outbox *st);
/* `scan --outbox`: one JSON line per outbox row. Returns the exit code. */
int cli_webhook_print_outbox(ct_db *db);
/* `scan --outbox` and `scan --deliver-only` (scan_options: --customers, --policy, --check or
 * --print-policy was given too, refused). Returns the exit code. */
int cli_webhook_only(const cli_global *g, cli_webhook *wh, bool scan_options);
int cmd_show(int argc, char **argv, const cli_global *g);
int cmd_stats(int argc, char **argv, const cli_global *g);
int cmd_verify(int argc, char **argv, const cli_global *g);
int cmd_trace(int argc, char **argv, const cli_global *g);
int cmd_version(int argc, char **argv, const cli_global *g);

/* The command table (main.c). */
extern const cli_command cli_commands[];
const cli_command *cli_find(const char *name);

/* ---- options ----
 * A command declares its options as a table; cli_parse fills the values and leaves the
 * positional arguments in argv[*first..argc). Numbers are parsed without locale, strictly:
 * "--hops=abc", "-1", "" or overflow are usage errors naming the option. */
typedef enum cli_opt_kind {
    CLI_FLAG,    /* bool: present or not */
    CLI_STRING,  /* const char *: one value (given again, the last one counts) */
    CLI_U64,     /* cli_num: a whole number in a range (CLI_NUM) */
    CLI_STRINGS, /* cli_strings: every value of a repeatable option, in order */
} cli_opt_kind;

typedef struct cli_opt {
    const char *name; /* long name without "--" */
    cli_opt_kind kind;
    void *value; /* bool*, const char**, cli_num*, cli_strings* */
} cli_opt;

/* A numeric option: its variable and the values it allows, min..max. Every numeric option
 * has a range (there is no numeric kind without one), so none can take a value that wraps
 * or that equals the variable's "not given" sentinel; the variable keeps its default (which
 * may lie outside the range, e.g. UINT64_MAX for "not given") until the option is given.
 * Declare it with CLI_NUM("hops", &hops, 0, UINT32_MAX) in the table. */
typedef struct cli_num {
    uint64_t *value;
    uint64_t min, max;
} cli_num;
#define CLI_NUM(name, var, lo, hi)                                                                 \
    {                                                                                              \
        (name), CLI_U64, &(cli_num) { (var), (lo), (hi) }                                          \
    }

/* Ranges shared by several commands. A height is stored in 32 bits, and the tip + 1 must
 * fit too: 0..4294967294 on both chains. */
#define CLI_MAX_HEIGHT 4294967294u

/* The values of a CLI_STRINGS option: v[0..n) point into argv. Start with
 * CLI_STRINGS_INIT; free with cli_strings_release (also after cli_parse failed). */
typedef struct cli_strings {
    const char **v;
    size_t n;
} cli_strings;
#define CLI_STRINGS_INIT                                                                           \
    {                                                                                              \
        NULL, 0                                                                                    \
    }
void cli_strings_release(cli_strings *s);

/* Returns CT_EXIT_OK, or CT_EXIT_USAGE after printing one line naming the problem
 * (CT_EXIT_FAILURE when out of memory). `-h`/`--help` print the command's usage and return
 * -1 (the caller exits 0). */
int cli_parse(const cli_command *cmd, const cli_opt *opts, int argc, char **argv, int *first);

/* Parses a whole decimal number (no sign, no spaces, no locale, no overflow). */
bool cli_parse_u64(const char *s, uint64_t *out);

/* The one range-checked number parser of every numeric option (cli_parse uses it; options
 * parsed by hand call it too): a whole decimal number from min to max into *out, or
 * prints "COMMAND: option '--NAME': 'VALUE' is not a whole number from MIN to MAX" and
 * returns false (the caller exits CT_EXIT_USAGE). */
bool cli_parse_range(const char *cmd, const char *name, const char *val, uint64_t min,
                     uint64_t max, uint64_t *out);

/* Opens an input file of `decode`: "-" is standard input; a path must name a regular file
 * (opened without blocking, so a FIFO without a writer or a device is refused at once).
 * Returns the stream, or NULL with `why` set ("is not a regular file" or the system's
 * message). */
FILE *cli_open_input(const char *path, char *why, size_t size);

/* The value of one hex digit (either case), or -1 for any other byte (also >= 0x80). */
int cli_hex_digit(int c);

/* The positional arguments of decode and ingest: "bitcoin" then PATH...; also resolves
 * --network. Returns CT_EXIT_OK or CT_EXIT_USAGE after printing what is wrong. */
/* The chain family named `name` (include/chaintrail/chains.h), or NULL after printing
 * "unknown chain 'NAME' (PREFIXbitcoin, ethereum)", the list made from the registered
 * families; `what` ("option '--chain': " or "") goes before it. */
const ct_chain_ops *cli_chain_family(const char *cmd, const char *what, const char *name,
                                     const char *prefix);
int cli_chain_paths(const char *cmd, char **argv, int first, const char *network,
                    const ct_btc_params **net, char ***paths, size_t *npaths);

/* `decode ethereum` (decode_ethereum.c): decodes the NULL-terminated paths and prints one
 * JSON line per transaction; chain_id 0 accepts any chain. Returns an exit code. */
int cli_decode_ethereum(char **paths, uint64_t chain_id, bool quiet);

/* Prints "chaintrail: CMD: message" to stderr. */
void cli_error(const char *cmd, const char *fmt, ...) CT_PRINTF(2, 3);
/* Until reset with (NULL, NULL), errors of command `cmd` say `as` instead: `export trace`
 * runs the trace's option parsing, whose errors then name the command the user typed. */
void cli_error_alias(const char *cmd, const char *as);

/* The human part of a library failure: its detail, else its reason, else the description
 * of its code; never "success" nor empty. */
const char *cli_detail(const ct_error *err);
/* Prints a library failure: "chaintrail: CMD: PREFIX" and err as ct_error_format writes it;
 * when err holds no code, rc's description: never "success" for a failure. */
void cli_error_ct(const char *cmd, const char *prefix, int rc, const ct_error *err);

/* Maps a CT_E* code to an exit code. */
int cli_exit_code(int ct_code);

/* ---- the database (opendb.c) ---- */
/* Opens the database of --db for reading (never creates one). On failure prints the reason
 * and returns the exit code: 5 no database there ("no database at PATH") or unreadable,
 * 6 locked, 7 other schema version, 4 corrupt; else CT_EXIT_OK with *db to ct_db_close. */
int cli_open_db(const char *cmd, const cli_global *g, ct_db **db);
/* The same for the commands that write (prices import, case add): creates the database
 * when missing, as ingest does. */
int cli_open_db_create(const char *cmd, const cli_global *g, ct_db **db);
/* Maps the error of a query on an open database to an exit code: 8 not found, 4 corrupt,
 * 5 I/O, 2 bad argument, 1 otherwise. */
int cli_db_exit_code(int ct_code);
/* Prints a query error ("chaintrail: CMD: detail") and returns cli_db_exit_code(rc). */
int cli_db_fail(const char *cmd, int rc, const ct_error *err);
/* The parameters of the database's network (mainnet when it has none yet). */
const ct_btc_params *cli_db_params(ct_db *db);
/* The database's Bitcoin network, or NULL when it holds no Bitcoin block yet. */
const ct_btc_params *cli_db_network(ct_db *db);
/* Prices (docs/prices.md, "Which table values a chain"): a Bitcoin-family chain is valued
 * by the table of its network's ticker (BTC, tBTC, sBTC, rBTC), the name show, stats, trace
 * and report print. True when `asset` is the ticker of another network than the
 * database's: that table values nothing here; *net is the database's network. */
bool cli_asset_unused(ct_db *db, const char *asset, const ct_btc_params **net);
/* Prints a warning line per stored price table that values no chain of the database. */
void cli_warn_price_tables(const char *cmd, ct_db *db);
/* That warning for one table. */
void cli_warn_price_table(const char *cmd, const char *asset, const ct_btc_params *net);
/* Checks a source or address the way every command does (ct_source_parse: checksum,
 * network when net is not NULL, syntax); prints "option '--OPT': reason" (just the reason
 * when opt is NULL) and returns CT_EXIT_USAGE when it is not one. */
int cli_source(const char *cmd, const char *opt, const char *text, const ct_btc_params *net,
               ct_case_source *out);

/* ---- output ---- */
/* Writes s as a JSON string (quotes included) with RFC 8259 escaping; bytes that are not
 * valid UTF-8 are written as \u00XX of the byte, deterministically. */
void cli_json_string(FILE *f, const char *s);
/* The same, or null when s is NULL or empty. */
void cli_json_string_or_null(FILE *f, const char *s);
/* Writes satoshi as a decimal coin amount with 8 decimals ("10.00000000"). */
void cli_print_coin(FILE *f, uint64_t sat);
/* Writes bytes as lowercase hex. */
void cli_print_hex(FILE *f, const uint8_t *p, size_t n);
/* Writes a hash in display (reversed) hex. */
void cli_print_hash(FILE *f, const uint8_t hash[32]);
/* Writes Unix seconds as UTC "YYYY-MM-DDTHH:MM:SSZ" (no locale, no time zone). */
void cli_print_time(FILE *f, uint32_t t);
/* Writes s for a terminal: control bytes, C1 controls, U+FFFE/U+FFFF and bytes that are
 * not UTF-8 as \xNN (bad-inputs.md X3, X4); the one escaper of every text that came from
 * input (labels, file names, price files, case notes, token symbols). */
void cli_print_text(FILE *f, const char *s);
/* The same inside a quoted CSV field: '"' doubled (RFC 4180). */
void cli_print_text_csv(FILE *f, const char *s);
/* The same into out (cap bytes with the NUL), cut between characters and marked "..." when
 * it does not fit. Returns the length written. */
size_t cli_text_escape(char *out, size_t cap, const char *s);

/* ---- names (names.c): one parser per kind of name; an unknown name is exit 2 with the
 * list of valid ones, printed as "option '--OPT': unknown KIND 'X' (valid: a, b)" ---- */
/* *idx = the index of value among names[0..n). Returns CT_EXIT_OK or CT_EXIT_USAGE. */
int cli_name(const char *cmd, const char *opt, const char *kind, const char *value,
             const char *const *names, size_t n, size_t *idx);
typedef enum cli_fmt { CLI_FMT_JSON, CLI_FMT_TEXT, CLI_FMT_CSV, CLI_FMT_HTML } cli_fmt;
#define CLI_FMT_JSON_TEXT ((1u << CLI_FMT_JSON) | (1u << CLI_FMT_TEXT))
#define CLI_FMT_ALL       (CLI_FMT_JSON_TEXT | (1u << CLI_FMT_CSV))
/* --format among the formats of `allowed` (bits 1 << cli_fmt). */
int cli_format_pick(const char *cmd, const char *value, unsigned allowed, cli_fmt *out);
/* --format json or text; sets *json. */
int cli_format(const char *cmd, const char *format, bool *json);
/* A comma-separated list of label categories (--stop): each one exactly as `labels stats`
 * names it; a name given twice counts once; at most max. */
int cli_categories(const char *cmd, const char *opt, const char *value, char (*items)[24],
                   size_t max, size_t *n);
/* One label category (labels import --category). */
int cli_category(const char *cmd, const char *opt, const char *value, ct_label_category *out);
/* --model: "all" or a comma-separated list of models; *mask has bit 1 << ct_model each. */
int cli_models(const char *cmd, const char *value, unsigned *mask);
/* --network: a Bitcoin-family network (mainnet, testnet, testnet4, signet, regtest). */
int cli_network(const char *cmd, const char *value, const ct_btc_params **out);
/* --chain: a family of the chain registry (bitcoin, ethereum). */
int cli_chain(const char *cmd, const char *value, bool *ethereum);

/* ---- labels (label_print.c) ---- */
/* One label as a JSON object: source, label, category, confidence, asset, reference. */
void cli_label_json(FILE *f, const ct_label *l);
/* `,"labels":[...]`: every label of the list (an empty array when none). */
void cli_labels_json(FILE *f, const ct_label_list *l);
/* "INDENTcategory confidence asset source: label\n", escaped. */
void cli_label_text(FILE *f, const char *indent, const ct_label *l);

/* ---- traces (trace_common.c) ---- */
typedef unsigned __int128 u128;
void cli_print_u128(FILE *f, u128 v);
/* Amounts: JSON numbers while exact in a double, decimal strings beyond. */
void cli_json_amount(FILE *f, u128 v);
void cli_print_cents(FILE *f, u128 cents);
void cli_print_coin128(FILE *f, u128 sat);
/* USD as a string with cents, or null when nothing of `sat` was priced. */
void cli_json_usd(FILE *f, u128 cents, u128 sat, u128 unpriced, bool pricing);
/* Range of laundered value over haircut, FIFO, LIFO and TIHO (the enabled ones): satoshi,
 * USD of the priced flows, and the most laundered value any of them has on unpriced days.
 * lo_usd/hi_usd are over the models whose USD is known (nothing laundered, or some of it
 * priced); usd_known is false when there is none: the range has no price (never $0.00). */
typedef struct cli_range {
    bool any, usd_known;
    u128 lo, hi, lo_usd, hi_usd, unpriced;
} cli_range;
/* Text of a USD figure of `sat` satoshi with `unpriced` of it on days without a price:
 * "USD 12.34", "USD 12.34 + 0.50000000 BTC without a price" (`coin`: the network's ticker),
 * or "no price" when none of it was priced (or there is no price table). */
void cli_print_usd_text(FILE *f, u128 cents, u128 sat, u128 unpriced, bool pricing,
                        const char *coin);
/* The USD part of a text range, left open for what follows: " (USD lo to hi" when known,
 * else " (no price". */
void cli_print_usd_range_open(FILE *f, bool known, u128 lo, u128 hi);
void cli_trace_range(const ct_trace_result *r, cli_range *out);

typedef struct cli_trace_env {
    ct_graph_chain_stats stats;
    const char *asset;
    uint8_t prices_digest[32];
    uint8_t labels_digest[32];
    ct_trace_pricing *pricing;
    ct_trace_graph *graph;
} cli_trace_env;
int cli_trace_env_open(cli_trace_env *env, ct_db *db, ct_error *err);
/* Sets a trace source from what the user gave (a long script:<hex> becomes its stored key);
 * false when it does not fit. */
bool cli_trace_source_set(ct_trace_source *dst, const char *spec);
void cli_trace_env_close(cli_trace_env *env);
/* Pieces of the trace JSON that `trace` prints alike for Bitcoin and account chains:
 * `{"complete":B[,"incomplete_reason":S],` opens it; in the manifest,
 * `"parameters":{"case":…,"sources":[…],"since_time":…,"until_time":…,"models":[…]`, and
 * `"stop":[…],"cashout":[…],"max_nodes":N,"timeout_s":N}}`, which closes the parameters and
 * the manifest (`timeout` as given). */
void cli_trace_json_status(FILE *f, bool complete, const char *reason);
/* trace's --max-nodes when not given: 3.7 times the largest trace of bench/run-trace (the
 * 1M-transaction chain at 20 hops processes 543,845 transactions), so that a trace that
 * explodes (poison through a busy service) stops at a bounded size instead of taking all
 * memory. docs/trace.md, "Budgets". */
#define CLI_TRACE_MAX_NODES_DEFAULT 2000000
/* When a --max-nodes budget ran out: says so on stderr, naming the bound and the option
 * that raises it. */
void cli_trace_budget_note(bool complete, const char *reason, uint64_t max_nodes);
void cli_trace_json_params(FILE *f, const char *case_name, const char *const *given, size_t n,
                           const ct_trace_source *src, unsigned models);
void cli_trace_json_limits(FILE *f, const ct_trace_options *o, uint64_t timeout);
/* An endpoint of a Bitcoin-family trace as JSON, left open after "label_member" for what
 * follows ("flows_in" with --paths) and the closing brace. */
void cli_endpoint_json_open(FILE *f, const ct_trace_endpoint *e, bool pricing);
/* Writes s as a quoted CSV (RFC 4180) text field of a trace, with a ' before a leading
 * = + - @ tab or CR so that spreadsheets do not run it (bad-inputs.md X1). */
void cli_csv_text(FILE *f, const char *s);

/* ---- the flows of a trace (trace_flows.c; docs/trace.md, "Flows") ---- */
/* ,"hop_totals":[...] and, when the model's flows were kept whole, ,"flows":[...]. */
void cli_flows_json(FILE *f, const ct_trace_result *r, int m, bool pricing);
/* One flow as a JSON object, `endpoint` the index its "endpoint" field gives (CT_TRACE_NONE:
 * null). */
void cli_flow_json(FILE *f, const ct_trace_result *r, const ct_trace_flow *w, size_t endpoint,
                   bool pricing);
/* The flows into each endpoint of x: those of endpoint k are idx[start[k] .. start[k+1]).
 * Both malloc'd. CT_OK or CT_ENOMEM. */
int cli_flows_in(const ct_trace_model_result *x, size_t **start, size_t **idx);
/* The same for any chain's flows: endpoint_of(flows, i) is flow i's endpoint (>= ne: none). */
int cli_index_flows_in(size_t ne, size_t nf, size_t (*endpoint_of)(const void *, size_t),
                       const void *flows, size_t **start, size_t **idx);
/* A trace whose paths (connect: its flows) pass --max-path-steps (reason "paths-too-large"):
 * says what to narrow and returns CT_EXIT_TOO_BIG. */
int cli_paths_too_big(const ct_error *err, uint64_t max_path_steps, bool connect);
/* With --paths: ,"flows_in":[indexes of the flows into endpoint ep]. */
void cli_flows_in_json(FILE *f, const size_t *start, const size_t *idx, size_t ep);
/* One row per flow of every model whose flows were kept whole. */
void cli_flows_csv(FILE *f, const ct_trace_result *r, bool pricing);
/* The totals per hop of a model as text lines, each after a newline; one flow as a line. */
void cli_flows_text_totals(FILE *f, const ct_trace_model_result *x, const char *coin);
void cli_flow_text(FILE *f, const ct_trace_result *r, const ct_trace_flow *w, const char *coin);

/* ---- groups and limits of a trace (trace_group.c; docs/trace.md, "Groups and limits") ---- */
enum {
    CLI_GROUP_NONE = -1,
    CLI_GROUP_LABEL = 0,
    CLI_GROUP_CATEGORY,
    CLI_GROUP_ADDRESS,
    CLI_GROUP_CLUSTER
};
/* An endpoint of either chain as groups, limits and connect see it (pointers into the
 * result it was made from). */
typedef struct cli_ep {
    const char *address, *category, *label;
    ct_u256 taint, unpriced; /* satoshi, or base units of the asset */
    u128 usd_cents;
    uint64_t outputs; /* outputs (Bitcoin) or flows (Ethereum) */
    uint32_t hops, first_height, first_time, last_height, last_time;
    uint64_t cluster_id; /* 0: none */
    bool target;         /* connect: a target stopped the taint here */
} cli_ep;
void cli_ep_of_trace(cli_ep *out, const ct_trace_endpoint *e);
void cli_ep_of_acct(cli_ep *out, const ct_acct_endpoint *e);
ct_u256 cli_u256_of(u128 v);
u128 cli_u128_of(const ct_u256 *a); /* the low 128 bits */
/* Endpoints summed: taint, USD, fewest hops, first and last block (height, time). */
typedef struct cli_sum {
    ct_u256 taint, unpriced;
    u128 usd_cents;
    uint64_t outputs;
    size_t endpoints;
    uint32_t hops, first_height, first_time, last_height, last_time;
} cli_sum;
/* Adds an endpoint to a sum (start from a zeroed one). */
void cli_sum_add(cli_sum *s, const cli_ep *e);
typedef struct cli_group {
    const char *key;  /* the label, category or address ("" for none); NULL by cluster */
    uint64_t cluster; /* by cluster: its id (0: endpoints without one) */
    cli_sum sum;
} cli_group;
/* --group's value: label, category, address or cluster (else exit 2 with the list). */
int cli_group_parse(const char *value, int *out);
const char *cli_group_name(int by);
/* The endpoints v[0..n) summed per key, largest taint first (then key). *out malloc'd.
 * CT_OK or CT_ENOMEM. */
int cli_groups(const cli_ep *v, size_t n, int by, cli_group **out, size_t *ng);
/* The entries past the first `limit` (0: none) of v[0..n): their number and taint. */
void cli_left_out(const cli_ep *v, size_t n, size_t limit, size_t *count, ct_u256 *taint);
/* Adds e's taint to *taint (as cli_left_out sums; no allocation: the CSV rows). */
void cli_left_out_add(ct_u256 *taint, const cli_ep *e);
/* How a chain's amounts are written: Bitcoin (satoshi; JSON numbers up to 2^53 - 1 and
 * fields named *_sat) or Ethereum (base units, JSON decimal strings, no suffix); in text,
 * in whole units of `decimals` decimals, right-aligned in `width`, named `unit`. */
typedef struct cli_amt {
    bool eth;
    bool priced; /* a price table values the asset */
    unsigned decimals;
    int width;
    const char *unit;
} cli_amt;
#define CLI_UNITS_MAX (CT_U256_DEC_MAX + 260) /* 78 digits, a point and up to 255 decimals */
/* a in whole units of d decimals ("1.500000000000000000"; d = 0: base units). */
void cli_units(char out[CLI_UNITS_MAX], const ct_u256 *a, unsigned d);
void cli_amt_json(FILE *f, const cli_amt *u, const ct_u256 *a);
/* USD with cents, or null when none of a was priced (or nothing prices the asset). */
void cli_amt_usd_json(FILE *f, const cli_amt *u, u128 cents, const ct_u256 *a,
                      const ct_u256 *unpriced);
/* ,"groups":{"by":…,"entries":[the first `limit` (0: all)],"left_out":{…}} */
void cli_groups_json(FILE *f, const cli_amt *u, int by, size_t limit, const cli_group *g, size_t n);
/* ,"endpoints_left_out":{"entries":K,"taint…":…}: those of v[0..n) past the first `shown`. */
void cli_left_out_json(FILE *f, const cli_amt *u, const cli_ep *v, size_t n, size_t shown);
/* Text: "\n  by G:" and a line per group (the first `limit`), then what was left out;
 * "  left out: K more endpoints, …\n" when v[0..n) was cut at `shown`. */
void cli_groups_text(FILE *f, const cli_amt *u, int by, size_t limit, const cli_group *g, size_t n);
void cli_left_out_text(FILE *f, const cli_amt *u, const cli_ep *v, size_t n, size_t shown);
/* CSV: per group "PREFIX,key,taint,usd,unpriced,endpoints,first_height,last_height", then
 * "PREFIX,\"(left out: K)\",taint,,,,," when cut. */
void cli_groups_csv_rows(FILE *f, const char *prefix, const cli_amt *u, size_t limit,
                         const cli_group *g, size_t n);
/* The view of a Bitcoin model's endpoints (malloc'd; NULL when out of memory). */
cli_ep *cli_eps_of_trace(const ct_trace_model_result *x);

/* ---- connect (trace_connect.c; docs/trace.md, "Connect") ---- */
/* The answer of `trace --to` on a Bitcoin-family chain, from a trace run with the targets and
 * its flows whole: ,"connect":{...}} closing the JSON (after the manifest); the text after
 * the header; the CSV rows per (model, target). CT_OK or CT_ENOMEM. */
int cli_connect_json(FILE *f, const ct_trace_result *r, bool pricing);
int cli_connect_text(FILE *f, const ct_trace_result *r, bool pricing, const char *coin);
void cli_connect_csv(FILE *f, const ct_trace_result *r, bool pricing);
/* The pieces both chains print alike: a target's answer in one model (JSON object; `eps`
 * the indexes of its endpoints in the answer's endpoints), the text heading of a target and
 * its row per model, a CSV row after PREFIX (the model, and on Ethereum the asset). */
void cli_connect_target_json(FILE *f, const cli_amt *u, const char *address, const cli_sum *s,
                             const size_t *eps, size_t n_eps);
void cli_connect_text_head(FILE *f, const cli_amt *u, const char *address, uint64_t cluster,
                           bool reached);
void cli_connect_text_row(FILE *f, const cli_amt *u, const char *model, const cli_sum *s);
void cli_connect_csv_row(FILE *f, const char *prefix, const cli_amt *u, const char *address,
                         const cli_sum *s);
#define CLI_CONNECT_CSV_HEAD                                                                       \
    "model,target,reached,taint_sat,usd,unpriced_sat,hops,outputs,first_height,first_time,"        \
    "first_utc,last_height,last_time,last_utc"

/* `export trace` (cmd_export.c): runs the trace that argv describes, parsed as `trace`
 * parses it (cmd_trace.c), with its flows (poison's whole), and hands the result to fn
 * instead of printing it; fn returns the exit code. */
typedef int (*cli_trace_sink)(void *ctx, ct_db *db, const ct_trace_result *res,
                              const ct_trace_options *o);
/* With Ethereum sources the account trace's result goes to acct_fn instead. */
typedef int (*cli_acct_trace_sink)(void *ctx, ct_db *db, const ct_acct_trace_result *res,
                                   const ct_trace_options *o);
int cli_trace_to(int argc, char **argv, const cli_global *g, cli_trace_sink fn,
                 cli_acct_trace_sink acct_fn, void *ctx);

/* ---- trace --format html (trace_html.c; docs/html.md) ---- */
typedef struct cli_html_req {
    const char *output; /* -o PATH, written through the safe file writer; NULL: stdout */
    bool force;
    const char *case_name;    /* NULL without --case */
    const char *const *given; /* each source as written */
    size_t n_src;
    const ct_trace_options *o;
    uint64_t timeout; /* as given */
} cli_html_req;
/* A Bitcoin-family trace run with flows, as HTML. Returns the exit code. */
int cli_trace_html(const cli_html_req *q, const cli_trace_env *env, const ct_trace_result *res,
                   const ct_trace_source *src);

/* ---- account-chain traces (trace_acct.c) ---- */
/* A trace whose sources are Ethereum addresses or transaction hashes, as `trace` parsed
 * it: runs it over the database and prints it in `format`. Returns the exit code. */
typedef struct cli_acct_trace_req {
    ct_db *db;
    const ct_trace_options *o;
    const ct_trace_source *src;
    const char *const *given; /* each source as written */
    size_t n_src;
    const char *case_name; /* NULL without --case */
    const char *format;    /* json, text, csv or html */
    uint64_t timeout;      /* as given, for the manifest */
    int group_by;          /* --group (CLI_GROUP_NONE: none) */
    uint64_t limit;        /* --limit (0: none) */
    const char *output;    /* html: -o PATH (NULL: standard output) */
    bool force;            /* html: replace an existing PATH */
    cli_acct_trace_sink sink; /* export trace: gets the result instead of the printers */
    void *sink_ctx;
} cli_acct_trace_req;
int cli_trace_acct(const cli_acct_trace_req *q);
/* An account-chain trace as HTML (trace_html.c), with its manifest's facts. */
int cli_trace_html_acct(const cli_acct_trace_req *q, uint64_t chain_id,
                        const ct_eth_block_info *tip, const uint8_t prices_digest[32],
                        const uint8_t labels_digest[32], const ct_acct_trace_result *res);

/* ---- alerts (alert_print.c; docs/alerts.md) ---- */
/* Now in Unix seconds, or CHAINTRAIL_TEST_NOW when set (tests). */
uint64_t cli_now_seconds(void);
/* One alert as a JSON object (no newline), a CSV row (after cli_alert_csv_header) or a
 * line of text. */
void cli_alert_json(FILE *f, const ct_scan_alert *a);
/* The same object without its closing brace, for more members. */
void cli_alert_json_open(FILE *f, const ct_scan_alert *a);
void cli_alert_csv_header(FILE *f);
void cli_alert_csv(FILE *f, const ct_scan_alert *a);
void cli_alert_text(FILE *f, const ct_scan_alert *a);
/* A history as a JSON array, or as indented lines of text. */
void cli_alert_history_json(FILE *f, const ct_scan_history_entry *h, size_t n);
void cli_alert_history_text(FILE *f, const ct_scan_history_entry *h, size_t n);

#endif
