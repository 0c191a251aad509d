/* CoinJoin detectors: judge whether a Bitcoin-family transaction is a CoinJoin, so that
 * multi-input clustering merges nothing for it. Pure functions over a small description of
 * the transaction (values, address ids, script types); no database access. The detectors
 * and their thresholds, with their published sources, are in docs/clustering.md
 * ("CoinJoin detectors"). Internal to the engine. */
#ifndef CT_CLUSTER_DETECT_H
#define CT_CLUSTER_DETECT_H

#include <stddef.h>
#include <stdint.h>

/* One input: the value it spends (satoshi), the address id of the spent output (0 = no
 * address) and its script type (ct_btc_script_type from include/chaintrail/bitcoin.h).
 * No detector reads the type: `cluster rebuild` leaves it 0 rather than read each spent
 * output (engine/cluster/rebuild.c), and test_detect checks that every verdict is the same
 * whatever the types. A detector that needs it must make the rebuild read it. */
typedef struct ct_cj_in {
    uint64_t value;
    uint64_t addrid;
    uint8_t type;
} ct_cj_in;

/* One output, as for inputs. */
typedef struct ct_cj_out {
    uint64_t value;
    uint64_t addrid;
    uint8_t type;
} ct_cj_out;

/* The transaction: header fields, the block height it is in, and borrowed arrays of inputs
 * and outputs (a coinbase has n_in = 0). */
typedef struct ct_cj_tx {
    uint32_t version, locktime, height;
    size_t n_in, n_out;
    const ct_cj_in *in;
    const ct_cj_out *out;
} ct_cj_tx;

/* Detector bits, tried in this order. */
#define CT_CJ_BLOCKSCI      1u  /* BlockSci's isCoinjoin: equal-value outputs, many inputs */
#define CT_CJ_WASABI1       2u  /* Wasabi 1.x: ~0.1 BTC base denomination, coordinator fee */
#define CT_CJ_WASABI2       4u  /* Wasabi 2.0: standard denominations, many inputs */
#define CT_CJ_WHIRLPOOL_TX0 8u  /* Whirlpool tx0: premix outputs of a pool size plus fee */
#define CT_CJ_WHIRLPOOL     16u /* Whirlpool mix: 5 inputs, 5 equal outputs of a pool */
#define CT_CJ_JOINMARKET    32u /* JoinMarket: n equal outputs, n..2n outputs, n inputs+ */
#define CT_CJ_ALL           63u

/* A flag for the mask, not a detector: judge at any height. Without it each wallet's
 * detector fires only from the mainnet height at which the wallet existed (see
 * docs/clustering.md); set it for regtest, testnet and other chains. */
#define CT_CJ_ANY_HEIGHT 0x100u

/* The verdict: `detector` is the first bit (in the order above) that fired, 0 for none;
 * `veto` is NULL, or a static string saying why a veto cleared a transaction that a
 * detector had fired on (then `detector` is 0). */
typedef struct ct_cj_verdict {
    unsigned detector;
    const char *veto;
} ct_cj_verdict;

/* Judges `tx` with the detectors in `mask` (CT_CJ_* bits, plus CT_CJ_ANY_HEIGHT; other
 * bits are ignored) and writes the verdict to *out. Never fails: a NULL tx, or one without
 * inputs or outputs, is no CoinJoin. A transaction of more than 512 inputs and outputs
 * needs memory; if it cannot be had the verdict is detector 0 with veto "not judged: out
 * of memory". */
void ct_cj_detect(const ct_cj_tx *tx, unsigned mask, ct_cj_verdict *out);

/* The name of one detector bit: "blocksci", "wasabi1", "wasabi2", "whirlpool_tx0",
 * "whirlpool", "joinmarket"; NULL for anything else. The string is static. */
const char *ct_cj_detector_name(unsigned bit);

/* Sets *bit to the detector named `name` (as ct_cj_detector_name gives). Returns CT_OK, or
 * CT_EINVAL for an unknown or NULL name (then *bit is unchanged). */
int ct_cj_detector_parse(const char *name, unsigned *bit);

#endif
