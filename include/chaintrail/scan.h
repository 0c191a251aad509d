/* chaintrail scan: screening customer addresses against the imported labels (docs/scan.md).
 *
 * This first slice holds the scan's inputs: the customer file (who owns which address) and
 * the risk policy (what a finding of each label category is worth). Both are read strictly:
 * a bad customer row is reported with its line and skipped, a bad policy is refused whole.
 *
 * Argument order, as everywhere in chaintrail: outputs, then inputs, then options, then the
 * caller-owned ct_error (may be NULL).
 */
#ifndef CHAINTRAIL_SCAN_H
#define CHAINTRAIL_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chaintrail/error.h"
#include "chaintrail/db.h"
#include "chaintrail/graph.h"
#include "chaintrail/labels.h"
#include "chaintrail/trace.h"
#include "chaintrail/u256.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- customers ---- */
#define CT_SCAN_CUSTOMER_ID_MAX 128        /* bytes of a customer id */
#define CT_SCAN_BAD_LISTED      100        /* bad rows kept with their reason; all are counted */
#define CT_SCAN_FILE_MAX        (1u << 30) /* largest customer or policy file (1 GiB) */

typedef enum ct_scan_chain {
    CT_SCAN_BITCOIN = 0,
    CT_SCAN_ETHEREUM = 1,
} ct_scan_chain;
#define CT_SCAN_CHAINS 2
/* "bitcoin", "ethereum"; NULL out of range. */
const char *ct_scan_chain_name(ct_scan_chain c);

typedef struct ct_scan_customer {
    const char *customer_id; /* owned by the list */
    const char *address;     /* normalized as labels are (ct_labels_address_normalize) */
    ct_scan_chain chain;
    uint64_t line; /* line of the file it came from */
} ct_scan_customer;

typedef struct ct_scan_bad_row {
    uint64_t line;
    char reason[160];
} ct_scan_bad_row;

typedef enum ct_scan_customers_format {
    CT_SCAN_CUSTOMERS_CSV = 0,
    CT_SCAN_CUSTOMERS_JSONL = 1,
} ct_scan_customers_format;

typedef struct ct_scan_customers {
    ct_scan_customer *items; /* in file order */
    size_t count;
    ct_scan_customers_format format;
    uint64_t rows;                           /* data rows read (blank lines not counted) */
    uint64_t skipped;                        /* bad rows skipped (count - rows) */
    ct_scan_bad_row bad[CT_SCAN_BAD_LISTED]; /* the first ones */
    size_t n_bad;                            /* listed in bad[] */
    /* private */
    char *text_;
    size_t cap_;
} ct_scan_customers;

/* Parses a customer file held in text[0..len): CSV when its first non-blank line does not
 * start with '{' (a header "customer_id,address" or "customer_id,address,chain", then one
 * row per line, RFC 4180 quotes allowed), else JSON lines (one object per line with
 * "customer_id", "address" and optionally "chain"). docs/scan.md states every check. A bad
 * row is counted and listed, never fatal. Returns CT_OK; CT_ECORRUPT "customers-header"
 * when the CSV header is not one of the two (the whole file is refused: its columns are
 * unknown); CT_ENOMEM. Release *out with ct_scan_customers_release, also after a failure. */
CT_WARN_UNUSED int ct_scan_customers_parse(ct_scan_customers *out, const char *text, size_t len,
                                           ct_error *err);
/* The same for the regular file at `path` (err->file is set on failure): CT_EIO when it
 * cannot be read. */
CT_WARN_UNUSED int ct_scan_customers_read(ct_scan_customers *out, const char *path, ct_error *err);
void ct_scan_customers_release(ct_scan_customers *c);

/* ---- risk policy ---- */
typedef enum ct_scan_severity {
    CT_SCAN_NONE = 0, /* not screened */
    CT_SCAN_LOW = 1,
    CT_SCAN_MEDIUM = 2,
    CT_SCAN_HIGH = 3,
    CT_SCAN_SEVERE = 4,
} ct_scan_severity;
#define CT_SCAN_SEVERITIES 5
/* "none", "LOW", "MEDIUM", "HIGH", "SEVERE"; NULL out of range. */
const char *ct_scan_severity_name(ct_scan_severity s);
/* Parses a name exactly as ct_scan_severity_name writes it. CT_OK or CT_EINVAL. */
CT_WARN_UNUSED int ct_scan_severity_from_name(ct_scan_severity *out, const char *name);

/* Bits: which way funds flow relative to the customer. */
enum { CT_SCAN_INCOMING = 1, CT_SCAN_OUTGOING = 2, CT_SCAN_BOTH_DIRECTIONS = 3 };
/* Bits: how the labelled address is reached. */
enum { CT_SCAN_DIRECT = 1, CT_SCAN_INDIRECT = 2, CT_SCAN_BOTH_EXPOSURES = 3 };
/* The names of the bit sets 1, 2, 3: "incoming", "outgoing", "both" and "direct",
 * "indirect", "both"; NULL otherwise. */
const char *ct_scan_direction_name(unsigned bits);
const char *ct_scan_exposure_name(unsigned bits);

#define CT_SCAN_MAX_HOPS 100

typedef struct ct_scan_rule {
    ct_scan_severity severity;
    unsigned direction;     /* CT_SCAN_INCOMING | CT_SCAN_OUTGOING */
    unsigned exposure;      /* CT_SCAN_DIRECT | CT_SCAN_INDIRECT */
    uint32_t max_hops;      /* 1 = direct only; up to CT_SCAN_MAX_HOPS */
    uint64_t min_sat;       /* minimum amount, in the chain's smallest unit / 1e-8 coin */
    uint64_t min_usd_cents; /* minimum USD value */
    uint32_t min_share_ppm; /* minimum share of the customer's volume, parts per million */
} ct_scan_rule;

typedef struct ct_scan_policy {
    ct_scan_rule rules[CT_LABEL_CATEGORIES]; /* by ct_label_category; severity none = off */
} ct_scan_policy;

/* The policy that ships with the program, as JSON text (docs/scan.md shows it). */
const char *ct_scan_policy_default_json(void);

/* Parses a policy (JSON; docs/scan.md). Categories not named get severity none. Returns
 * CT_OK; CT_EINVAL with reason "policy-unknown-name" (an unknown category, severity,
 * direction or exposure: the detail names it, where, and lists the valid names) or
 * "policy-bad-value" (a missing or malformed field, a value out of range, an unknown key),
 * the detail starting "line L, column C: "; CT_ECORRUPT for text that is not JSON. */
CT_WARN_UNUSED int ct_scan_policy_parse(ct_scan_policy *out, const char *text, size_t len,
                                        ct_error *err);
/* The same for the regular file at `path` (err->file is set on failure). */
CT_WARN_UNUSED int ct_scan_policy_read(ct_scan_policy *out, const char *path, ct_error *err);

/* ---- direct exposure in one transaction ---- */
/* How much of the value of the marked inputs (in_src) reaches the marked outputs (out_dst)
 * of one UTXO transaction, per taint model (amount[ct_model]), by the per-transaction rules
 * of docs/taint-models.md with the marked inputs fully tainted: the outputs are slots in
 * order with the fee (inputs minus outputs, else 0) as a last slot; an input of unknown
 * value counts as clean value 0 and the line is extended with clean value up to the
 * outputs' sum. Incoming exposure marks the labelled counterparty's inputs and the
 * customer's outputs; outgoing, the customer's inputs and the counterparty's outputs.
 * docs/scan.md "Direct exposure" states each model's amount. Returns CT_OK (all zero when
 * no marked input has value); CT_EINVAL when the values sum past 2^64; CT_ENOMEM. */
CT_WARN_UNUSED int ct_scan_direct_amounts(uint64_t amount[CT_MODEL_COUNT], const uint64_t *in_val,
                                          const bool *in_src, size_t n_in, const uint64_t *out_val,
                                          const bool *out_dst, size_t n_out, ct_error *err);

/* ---- alert ids ---- */
#define CT_SCAN_ALERT_ID_LEN 32 /* lowercase hex digits */
/* The id of the alert about one finding: the first 16 bytes, in lowercase hex, of the
 * SHA-256 of "chaintrail-alert-v1", customer_id, the chain's name, address, the direction's
 * name ("incoming" or "outgoing"), the exposure's name ("direct" or "indirect"), the
 * category's name and the counterparty address, each followed by one NUL byte
 * (docs/scan.md "Alert ids"). Returns CT_OK, or CT_EINVAL for a NULL string, a direction or
 * exposure that is not exactly one of the two, or a chain or category out of range. */
CT_WARN_UNUSED int ct_scan_alert_id(char out[CT_SCAN_ALERT_ID_LEN + 1], const char *customer_id,
                                    ct_scan_chain chain, const char *address, unsigned direction,
                                    unsigned exposure, ct_label_category category,
                                    const char *counterparty);
/* The same with the asset's identity (NULL: none, the id of ct_scan_alert_id) hashed after
 * the counterparty, with its NUL: an Ethereum alert is per asset ("ETH" or the token's
 * contract, lowercase), a Bitcoin alert's id has no asset (docs/scan.md "Alert ids"). */
CT_WARN_UNUSED int ct_scan_alert_id_asset(char out[CT_SCAN_ALERT_ID_LEN + 1],
                                          const char *customer_id, ct_scan_chain chain,
                                          const char *address, unsigned direction,
                                          unsigned exposure, ct_label_category category,
                                          const char *counterparty, const char *asset);

/* ---- direct exposure of the customers (Bitcoin) ---- */
#define CT_SCAN_ASSET_MAX 47 /* bytes of an asset's name: a ticker, or a 0x contract */
typedef struct ct_scan_finding {
    size_t customer;    /* index into the customer list */
    unsigned direction; /* CT_SCAN_INCOMING or CT_SCAN_OUTGOING */
    ct_label_category category;
    ct_scan_severity severity;
    char counterparty[CT_LABEL_ADDRESS_MAX + 1];
    char label[CT_LABEL_TEXT_MAX + 1];        /* text of the attribution label */
    char source[CT_LABEL_SOURCE_MAX + 1];     /* its label set */
    unsigned __int128 amount[CT_MODEL_COUNT]; /* satoshi, summed over the transactions */
    unsigned __int128 low, high;              /* the range across the models */
    unsigned __int128 volume; /* the customer address's received (incoming) or sent sum */
    uint32_t share_ppm;       /* floor(high * 1e6 / volume), capped at 1e6 */
    uint32_t first_height, first_time, last_height, last_time;
    uint8_t (*txids)[32]; /* the evidence, in chain order */
    size_t n_txids;
    size_t cap_txids_; /* private */
    /* ---- indirect exposure and USD (docs/scan.md "Indirect exposure") ---- */
    unsigned exposure; /* CT_SCAN_INDIRECT, or CT_SCAN_DIRECT (0 is read as direct) */
    uint32_t hops;     /* the fewest hops from the labelled address (0 is read as 1) */
    bool usd_known;    /* every amount of every model was priced at the date of its flow */
    unsigned __int128 usd_cents[CT_MODEL_COUNT]; /* per model, when usd_known */
    unsigned __int128 usd_low, usd_high;         /* the smallest and largest of them */
    size_t n_sources; /* indirect: how many labelled addresses the group traced from */
    /* ---- Ethereum (docs/scan.md "Ethereum"): a finding with chain CT_SCAN_ETHEREUM holds
     * its amounts in wei or token base units in the 256-bit fields below (amount, low,
     * high and volume above stay 0); a Bitcoin finding leaves them 0. ---- */
    ct_scan_chain chain;
    char asset[CT_SCAN_ASSET_MAX + 1];    /* "ETH", a token's symbol, else its contract */
    char asset_id[CT_SCAN_ASSET_MAX + 1]; /* "ETH" or the token's contract, lowercase: in
                                           * the alert id */
    ct_u256 wide[CT_MODEL_COUNT], wide_low, wide_high, wide_volume;
} ct_scan_finding;

typedef struct ct_scan_findings {
    ct_scan_finding *items; /* by customer row, then in order of first appearance */
    size_t count;
    uint64_t screened;  /* Bitcoin customer rows screened */
    uint64_t not_seen;  /* of those, addresses the database never saw */
    uint64_t not_chain; /* rows of another chain (not screened yet) */
    uint64_t below;     /* findings dropped by min_amount or min_share */
    size_t cap_;        /* private */
} ct_scan_findings;

/* Direct exposure of every Bitcoin customer row: each transaction of the address's history
 * (docs/scan.md "Direct exposure of a customer") whose labelled counterparty's category
 * the policy screens in that direction with direct exposure; amounts by
 * ct_scan_direct_amounts, summed per (customer row, direction, counterparty). A counterparty
 * without labels of its own takes those of its cluster's labelled member when the database
 * has clusters and no_clusters is false (docs/taint-models.md "Clusters"; the finding names
 * the counterparty, with the member's label and source). A finding is
 * kept when its high amount is at least min_amount and its share at least min_share. This
 * reference values nothing in USD, so min_usd (which applies only to a finding whose USD is
 * known: ct_scan_direct_batch with a price table, ct_scan_indirect) never drops one here. Returns
 * CT_OK; CT_EDBCORRUPT; CT_EIO; CT_ENOMEM. Release *out with ct_scan_findings_release, also after a
 * failure. */
CT_WARN_UNUSED int ct_scan_direct(ct_scan_findings *out, ct_db *db,
                                  const ct_scan_customers *customers, const ct_scan_policy *policy,
                                  bool no_clusters, ct_error *err);
void ct_scan_findings_release(ct_scan_findings *f);

/* ---- the alert store (alert_store.c; docs/alerts.md) ----
 * Each finding of a scan is an alert stored under its alert id (table 0xf5) with an
 * analyst's state and an append-only history (0xf6); what each scan screened against is
 * recorded (0xf7). A scan writes all of it in one synchronous batch: a kill during a scan
 * loses nothing and duplicates nothing. A scan creates alerts and updates their baseline and
 * amounts; it never changes an analyst's state or history. */
typedef enum ct_alert_state {
    CT_ALERT_OPEN = 0,
    CT_ALERT_IN_REVIEW = 1,
    CT_ALERT_ESCALATED = 2,
    CT_ALERT_DISMISSED = 3,
    CT_ALERT_RESOLVED = 4,
} ct_alert_state;
#define CT_ALERT_STATES 5
/* "open", "in_review", "escalated", "dismissed", "resolved"; NULL out of range. */
const char *ct_alert_state_name(ct_alert_state s);

typedef enum ct_alert_baseline {
    CT_ALERT_NEW = 0,       /* not found by the previous scan (or absent then) */
    CT_ALERT_UNCHANGED = 1, /* found again with the same content */
    CT_ALERT_UPDATED = 2,   /* found again: amounts, evidence, severity or label changed */
    CT_ALERT_ABSENT = 3,    /* found before, not by the latest scan of its customer */
} ct_alert_baseline;
#define CT_ALERT_BASELINES 4
/* "new", "unchanged", "updated", "absent"; NULL out of range. */
const char *ct_alert_baseline_name(ct_alert_baseline b);

#define CT_ALERT_BY_MAX   128  /* bytes of an analyst's name */
#define CT_ALERT_NOTE_MAX 4000 /* bytes of a note */

typedef struct ct_scan_alert {
    char alert_id[CT_SCAN_ALERT_ID_LEN + 1];
    char *customer_id, *address, *label, *source, *counterparty; /* owned */
    char asset[CT_SCAN_ASSET_MAX + 1]; /* the network's ticker; Ethereum: the finding's */
    ct_scan_chain chain;
    unsigned direction; /* CT_SCAN_INCOMING or CT_SCAN_OUTGOING */
    unsigned exposure;  /* CT_SCAN_DIRECT or CT_SCAN_INDIRECT */
    ct_label_category category;
    ct_scan_severity severity;
    uint32_t hops;
    /* satoshi (Bitcoin), wei or token base units (Ethereum); 256 bits since row version 3 */
    ct_u256 amount[CT_MODEL_COUNT], low, high;
    uint32_t share_ppm;
    uint32_t first_time, last_time;
    uint8_t (*txids)[32]; /* owned */
    size_t n_txids;
    /* USD in cents of low and high at the dates of the flows; usd_known false when a day
     * had no price (and for alerts stored before USD, row version 1) */
    bool usd_known;
    unsigned __int128 usd_low, usd_high;
    /* the store's */
    ct_alert_baseline baseline;
    ct_alert_state state;
    uint64_t created_run;  /* the scan run that first raised it */
    uint64_t baseline_run; /* the scan run that set the baseline */
    uint64_t created_at;   /* Unix seconds of that run */
    uint64_t updated_at;   /* of the last change by a scan or an analyst */
    uint32_t n_history;    /* history entries */
} ct_scan_alert;
void ct_scan_alert_release(ct_scan_alert *a);

typedef struct ct_scan_history_entry {
    uint32_t seq;  /* 0, 1, ... */
    uint64_t time; /* Unix seconds */
    bool has_old;  /* false for the entry of the scan that raised the alert */
    ct_alert_state old_state, new_state;
    char by[CT_ALERT_BY_MAX + 1];
    char *note; /* owned, may be "" */
} ct_scan_history_entry;
void ct_scan_history_release(ct_scan_history_entry *h, size_t n);

/* What a scan screened against (table 0xf7 'S'). */
typedef struct ct_scan_state {
    bool present;  /* false before the first scan */
    uint64_t run;  /* the run number (1, 2, ...) */
    uint64_t time; /* Unix seconds */
    bool has_tip;
    uint32_t height; /* the Bitcoin main-chain tip */
    uint8_t tip[32];
    uint8_t labels[32];    /* ct_labels_digest */
    uint8_t policy[32];    /* ct_scan_policy_digest */
    uint8_t clusters[32];  /* SHA-256 of the clustering policy digest and enabled flag */
    uint8_t customers[32]; /* ct_scan_customers_digest */
    uint8_t prices[32];    /* ct_prices_digest (all zero in a state row of version 1) */
    bool has_eth_tip;      /* the Ethereum tip (state row version 3; false before) */
    uint32_t eth_height;
    uint8_t eth_tip[32];
} ct_scan_state;

/* SHA-256 of the policy's rules in a fixed layout: two files that read the same give the
 * same digest. */
void ct_scan_policy_digest(uint8_t out[32], const ct_scan_policy *p);
/* SHA-256 of the customer rows (customer_id, chain, address, each + NUL), in file order. */
void ct_scan_customers_digest(uint8_t out[32], const ct_scan_customers *c);
/* The state recorded by the last scan (out->present false when none). */
CT_WARN_UNUSED int ct_scan_state_get(ct_db *db, ct_scan_state *out, ct_error *err);
/* The state now: tip, labels, policy, clusters, customers and prices digests (run and time
 * 0). */
CT_WARN_UNUSED int ct_scan_state_now(ct_db *db, ct_scan_state *out, const ct_scan_policy *policy,
                                     const ct_scan_customers *customers, ct_error *err);

/* Why a scan screens every customer (docs/scan.md "Nightly runs"). */
typedef enum ct_scan_why {
    CT_SCAN_WHY_INCREMENTAL = 0, /* only the customers with new activity */
    CT_SCAN_WHY_FIRST,           /* no scan before */
    CT_SCAN_WHY_FULL,            /* --full */
    CT_SCAN_WHY_LABELS,          /* the labels changed */
    CT_SCAN_WHY_POLICY,          /* the policy changed */
    CT_SCAN_WHY_CLUSTERS,        /* the clustering changed */
    CT_SCAN_WHY_CUSTOMERS,       /* the customer file changed */
    CT_SCAN_WHY_CHAIN,           /* the block of the last scan's tip left the main chain */
    CT_SCAN_WHY_PRICES,          /* the price table changed (USD of the direct findings) */
} ct_scan_why;
/* "incremental", "first", "full", "labels", "policy", "clusters", "customers", "chain",
 * "prices". */
const char *ct_scan_why_name(ct_scan_why w);

/* Which customer rows to screen: every row (*why says why) or, when nothing but the chains
 * moved since `prev`, only the Bitcoin rows whose address gained a transaction above prev's
 * tip and the Ethereum rows whose address has a transfer above prev's Ethereum tip (every
 * Ethereum row when prev recorded no Ethereum tip) (screen[i] for row i; the caller
 * allocates customers->count entries). The block of either tip no longer on its main chain
 * is the reason `chain`.
 * Returns CT_OK, CT_ECORRUPT, CT_EIO. */
CT_WARN_UNUSED int ct_scan_plan(bool *screen, ct_scan_why *why, ct_db *db,
                                const ct_scan_customers *customers, const ct_scan_state *prev,
                                const ct_scan_state *now, bool full, ct_error *err);

/* The alerts of one run, for printing: every finding (new, updated or unchanged, in
 * customer-file order) and then the alerts that became absent in this run. */
typedef struct ct_scan_run {
    uint64_t run, time;
    ct_scan_alert *items;
    size_t count;
    uint64_t n_new, n_updated, n_unchanged, n_absent;
    uint64_t screened;          /* customer rows screened for direct exposure */
    uint64_t screened_indirect; /* customer rows screened for indirect exposure */
    size_t cap_;                /* private */
} ct_scan_run;
void ct_scan_run_release(ct_scan_run *r);

/* The record of one scan run (table 0xf7 'R'; `alerts runs`, docs/alerts.md). */
typedef struct ct_scan_run_record {
    uint64_t run, time;         /* run number, Unix seconds */
    uint64_t screened;          /* customer rows screened for direct exposure */
    bool has_indirect;          /* false for a record written before it was counted (v1) */
    uint64_t screened_indirect; /* customer rows screened for indirect exposure */
    uint64_t rows;              /* customer rows in the file (0 when !has_indirect) */
    uint64_t n_new, n_updated, n_unchanged, n_absent;
} ct_scan_run_record;
/* Every run record, oldest first. Free *out with free(). Returns CT_OK, CT_ECORRUPT
 * ("bad-row"), CT_EIO, CT_ENOMEM. */
CT_WARN_UNUSED int ct_scan_runs_list(ct_db *db, ct_scan_run_record **out, size_t *n, ct_error *err);

/* The webhook's part of a scan (docs/scan.md "Webhook"): the alerts whose baseline this run
 * sets to new, updated or absent are queued into the webhook outbox (include/chaintrail/
 * deliver.h) in the batch that stores them. `body` gives an alert's body (the JSON text to
 * POST): *body malloc'd (the store frees it), *len its bytes; it returns CT_OK or
 * CT_ENOMEM. `queued` and `unchanged` are set by ct_scan_alerts_commit (as
 * ct_outbox_queue_stats: rows made pending, and bodies already delivered as they are). */
typedef struct ct_scan_outbox {
    int (*body)(void *ctx, const ct_scan_alert *a, char **body, size_t *len);
    void *ctx;
    uint64_t queued, unchanged; /* out */
} ct_scan_outbox;

/* Stores the findings of one scan. direct[i] and indirect[i] (NULL: all) tell for which
 * exposure customer row i was screened: a scan screens direct exposure for the rows the
 * plan picks and indirect exposure for every Bitcoin row (docs/scan.md "Nightly runs"). A
 * stored alert not found again becomes absent when its row was screened for the alert's
 * exposure (or is no longer in the file), and else keeps its content (baseline unchanged).
 * The alerts, their first history entries, `now` (with the next run number and `time`), the
 * run's record and, with `outbox` (NULL: no webhook), the outbox rows of the run's new,
 * updated and absent alerts are written in one synchronous batch. `asset` is the network's
 * ticker. A changed USD value alone does not make an alert updated (docs/alerts.md): the
 * row is rewritten with it, the baseline stays. Returns CT_OK (*out lists the run's alerts),
 * CT_ECORRUPT, CT_EIO, CT_ENOMEM, or what outbox->body returned. Release *out with
 * ct_scan_run_release, also after a failure. */
CT_WARN_UNUSED int ct_scan_alerts_commit(ct_scan_run *out, ct_db *db,
                                         const ct_scan_customers *customers, const bool *direct,
                                         const bool *indirect, const ct_scan_findings *findings,
                                         const char *asset, const ct_scan_state *now, uint64_t time,
                                         ct_scan_outbox *outbox, ct_error *err);

struct ct_scan_istate;
/* ct_scan_alerts_commit, and with `istate` (NULL: none) the indirect screen's state for the
 * next run (ct_scan_indirect_options.state), in the same synchronous batch. */
CT_WARN_UNUSED int ct_scan_alerts_commit_state(ct_scan_run *out, ct_db *db,
                                               const ct_scan_customers *customers,
                                               const bool *direct, const bool *indirect,
                                               const ct_scan_findings *findings, const char *asset,
                                               const ct_scan_state *now, uint64_t time,
                                               ct_scan_outbox *outbox,
                                               const struct ct_scan_istate *istate, ct_error *err);

/* Every stored alert, in id order. Free with ct_scan_alerts_free. */
CT_WARN_UNUSED int ct_scan_alerts_list(ct_db *db, ct_scan_alert **out, size_t *n, ct_error *err);
void ct_scan_alerts_free(ct_scan_alert *a, size_t n);
/* One alert by its 32 hex digits (lowercase or uppercase): CT_OK, CT_EINVAL "bad-alert-id",
 * CT_ENOTFOUND "no-alert". */
CT_WARN_UNUSED int ct_scan_alert_get(ct_db *db, ct_scan_alert *out, const char *id, ct_error *err);
/* The history of an alert, oldest first. Free with ct_scan_history_release. */
CT_WARN_UNUSED int ct_scan_alert_history(ct_db *db, ct_scan_history_entry **out, size_t *n,
                                         const char *id, ct_error *err);
/* An analyst's decision: sets the state (state < 0: keeps it) and appends a history entry
 * (time, by, note, old and new state) in one synchronous batch. by: 1 to CT_ALERT_BY_MAX
 * bytes, note: up to CT_ALERT_NOTE_MAX bytes, neither with a control character (a note may
 * hold tabs and newlines). Returns CT_OK, CT_EINVAL ("bad-alert-id", "bad-by", "bad-note"),
 * CT_ENOTFOUND, CT_EIO. */
CT_WARN_UNUSED int ct_scan_alert_set(ct_db *db, const char *id, int state, const char *note,
                                     const char *by, uint64_t time, ct_error *err);
/* The same findings as ct_scan_direct, in the same order, computed from the other side: the
 * history of each labelled address the policy screens with direct exposure is read once and
 * its counterparties looked up among the customers, so that the cost grows with the labelled
 * addresses' activity and not with the number of customers (docs/scan.md "Speed"). With
 * `asset` (the daily price table, "BTC"; NULL: none) each transaction's amounts are valued
 * in USD at its day's price (usd_known false when a day has no price), and min_usd applies
 * to the findings whose value is known. With clusters, the unlabelled members of the
 * clusters of those labelled addresses are read too. */
CT_WARN_UNUSED int ct_scan_direct_batch(ct_scan_findings *out, ct_db *db,
                                        const ct_scan_customers *customers,
                                        const ct_scan_policy *policy, const char *asset,
                                        bool no_clusters, ct_error *err);

/* ---- nightly runs of the direct screen (docs/scan.md "Incremental direct exposure") ---- */
struct ct_scan_istate;
typedef struct ct_scan_direct_options {
    const char *asset;            /* as ct_scan_direct_batch's */
    bool no_clusters;             /* as ct_scan_direct_batch's */
    const bool *pick;             /* the rows screened (NULL: every one); findings name cs's rows */
    struct ct_scan_istate *state; /* receives this run's direct state, to store with the
                                   * alerts (NULL: none); the addresses of every row are read
                                   * for it, findings are made for the rows picked only */
    bool resume; /* with state: resume from the stored state when it is run prev_run's
                  * and holds (as the indirect state's) */
    uint64_t prev_run;
    bool resumed; /* out: the stored sums were used, only newer transactions read */
} ct_scan_direct_options;

/* ct_scan_direct_batch of the rows picked; with opt->resume, the labelled addresses'
 * transactions after the stored state's tip are added to its sums, and the thresholds,
 * shares and ranges settled fresh: the same findings as a full screen. */
CT_WARN_UNUSED int ct_scan_direct_incr(ct_scan_findings *out, ct_db *db,
                                       const ct_scan_customers *customers,
                                       const ct_scan_policy *policy, ct_scan_direct_options *opt,
                                       ct_error *err);

/* ---- direct exposure of Ethereum customers (eth_direct.c; docs/scan.md "Ethereum") ----
 * Appends to *out the direct findings of the Ethereum customer rows (pick[i] true; pick
 * NULL: every one): per (customer row, direction, labelled counterparty, asset), where the
 * asset is ETH or one ERC-20 token. A transfer (the transaction's value, an internal
 * transfer or a token Transfer log) from a labelled address to the customer is incoming,
 * one from the customer to it outgoing; each model's amount of a transfer is its whole
 * value. Amounts are wei or token base units (ct_scan_finding.wide...); volumes are the
 * customer address's totals of that asset. Thresholds: min_amount through
 * ct_scan_eth_min_units, min_share, and min_usd when USD is known (`usd`: value the
 * transfers by the daily price tables, as the account tracer does). Returns CT_OK;
 * CT_EINVAL "amount-overflow" when a sum exceeds 2^256 - 1; CT_EDBCORRUPT; CT_EIO;
 * CT_ENOMEM. */
CT_WARN_UNUSED int ct_scan_eth_direct(ct_scan_findings *out, ct_db *db,
                                      const ct_scan_customers *customers, const bool *pick,
                                      const ct_scan_policy *policy, bool usd, ct_error *err);
/* The policy's min_amount (min_sat, in 1e-8 of a whole unit) in base units of an asset of
 * `decimals` decimals: min_sat x 10^(decimals - 8), or rounded up when decimals < 8; a
 * token whose decimals are not known (`known` false) is counted in base units, decimals 0;
 * a threshold past 2^256 - 1 is 2^256 - 1. Returns CT_OK. */
int ct_scan_eth_min_units(ct_u256 *out, uint64_t min_sat, unsigned decimals, bool known);
/* *sum += *x; CT_EINVAL "amount-overflow" (naming `what`) when it exceeds 2^256 - 1. */
CT_WARN_UNUSED int ct_scan_wide_add(ct_u256 *sum, const ct_u256 *x, const char *what,
                                    ct_error *err);

/* ---- indirect exposure (Bitcoin) ---- */
/* What the indirect screen keeps for the next run to resume from (docs/scan.md "Nightly
 * runs"): opaque, stored with the alerts by ct_scan_alerts_commit_state. */
typedef struct ct_scan_istate ct_scan_istate;
ct_scan_istate *ct_scan_istate_new(void); /* NULL: out of memory */
void ct_scan_istate_free(ct_scan_istate *s);

typedef struct ct_scan_indirect_options {
    const char *asset;  /* daily price table for USD ("BTC"); NULL: no USD */
    bool no_clusters;   /* address-level labels only, as trace --no-clusters */
    uint64_t max_flows; /* per trace (0: the tracer's default) */
    uint64_t traces;    /* out: traces run (one per group and direction) */
    uint64_t sources;   /* out: labelled addresses traced from */
    /* ---- nightly runs (docs/scan.md "Nightly runs") ---- */
    ct_scan_istate *state; /* receives this run's state, to store with the alerts (NULL: none) */
    bool resume;           /* resume from the stored state when it is run prev_run's and holds */
    uint64_t prev_run;
    uint64_t resumed; /* out: traces resumed from the stored state, or reused whole */
} ct_scan_indirect_options;

/* Indirect exposure of every Bitcoin customer row (docs/scan.md "Indirect exposure"),
 * appended to *out (which may hold the direct findings already). The labelled addresses of
 * every category the policy screens with indirect exposure are grouped by their attribution
 * (category, label, source); per group, a forward trace from all the outputs its addresses
 * received gives the incoming exposure (what reaches a customer address at hop 2 up to
 * max_hops), and a backward trace the outgoing one. Every labelled address and every
 * customer address stops the walk. Findings are per (customer row, direction, group), with
 * the group's label text as counterparty; thresholds as for direct exposure, and min_usd
 * when USD is known. Returns CT_OK; CT_EDBCORRUPT; CT_EIO; CT_ENOMEM (also "max-flows"). */
CT_WARN_UNUSED int ct_scan_indirect(ct_scan_findings *out, ct_db *db,
                                    const ct_scan_customers *customers,
                                    const ct_scan_policy *policy, ct_scan_indirect_options *opt,
                                    ct_error *err);

/* Indirect exposure of every Ethereum customer row (docs/scan.md "Ethereum"), per asset,
 * appended to *out, with the account tracer: incoming by one forward trace per labelled
 * group from every transfer its addresses received (what stops at a customer address at hop
 * 2 up to max_hops); outgoing by one forward trace per customer address (and per distinct
 * max_hops of the groups screened outgoing) from every transfer it received (what stops at
 * the group's addresses at hop 2 up to max_hops). Every labelled address and every customer
 * address stops the walk; no clusters. Thresholds as ct_scan_eth_direct. `usd`: value the
 * flows by the daily price tables. Returns CT_OK; CT_EINVAL "amount-overflow"; CT_ENOMEM
 * (also "max-flows"); database errors. */
CT_WARN_UNUSED int ct_scan_eth_indirect(ct_scan_findings *out, ct_db *db,
                                        const ct_scan_customers *customers,
                                        const ct_scan_policy *policy, bool usd,
                                        ct_scan_indirect_options *opt, ct_error *err);

#ifdef __cplusplus
}
#endif
#endif
