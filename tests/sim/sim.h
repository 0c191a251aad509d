/* chaintrail-sim: a heist simulator with ground truth (docs/simulator.md). Shared between
 * the world model and block writer (sim.c) and the reference taint implementation
 * (reference.c). Not part of the library. */
#ifndef CT_SIM_H
#define CT_SIM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* Script types of the simulated addresses: an address id is key * SIM_NTYPES + type. */
enum {
    SIM_P2PKH,
    SIM_P2SH, /* P2SH-wrapped P2WPKH */
    SIM_P2WPKH,
    SIM_P2WSH, /* <key> OP_CHECKSIG as witness script */
    SIM_P2TR,  /* the key's x coordinate as output key */
    SIM_P2PK,  /* compressed key, OP_CHECKSIG */
    SIM_NTYPES
};

/* The source column of labels.csv; a trace shows a label as "text (source)". */
#define SIM_LABEL_SOURCE "chaintrail-sim"

/* Label categories the simulator hands out (none is 0). */
enum { SIM_LBL_NONE, SIM_LBL_EXCHANGE, SIM_LBL_MIXER, SIM_LBL_BRIDGE };

/* The recorded subgraph: every transaction that spends an output carrying poison taint
 * (followed or stopped), plus the theft, written in chain order to a temporary file.
 * Outputs of recorded transactions are numbered 1, 2, ... (refs) in that order. */
typedef struct sim_rec_in {
    uint64_t ref; /* 0: an output the simulator knows is clean */
    uint64_t value;
} sim_rec_in;

typedef struct sim_rec_out {
    uint64_t value;
    uint32_t addr;
    uint8_t follow; /* the simulator's own view: poison-tainted and followed */
} sim_rec_out;

typedef struct sim_rec_tx {
    uint32_t height;
    uint32_t time;
    uint8_t txid[32];
    uint8_t source; /* the theft: every output is a source */
    uint16_t n_in, n_out;
    uint64_t first_ref; /* ref of output 0 */
    sim_rec_in *in;
    sim_rec_out *out;
} sim_rec_tx;

/* What the reference needs to know about the world when it writes truth.json. */
typedef struct sim_world_info {
    uint64_t seed, txs, blocks;
    unsigned hops;
    uint64_t dust;
    uint8_t theft_txid[32];
    uint32_t theft_height;
    uint32_t victim_addr;
    /* Address text and label of an address id (addr text: CT_BTC_ADDR_MAX bytes). */
    void (*addr_text)(void *ctx, uint32_t addr, char *out);
    int (*addr_label)(void *ctx, uint32_t addr, const char **label);
    /* Cluster-level stops (truth_clusters.json): NULL for truth.json. Otherwise addr_label
     * gives an unlabelled address the label of its cluster, and this writes the text of
     * the member that carries it (returns 1), or returns 0 when the address carries its own
     * label or none. The simulator's poison marks follow address-level labels, so the
     * reference's frontier check is skipped (cluster-level stops only stop earlier: the
     * recorded subgraph still holds every transaction they follow). */
    int (*label_member)(void *ctx, uint32_t addr, char *out);
    void *ctx;
} sim_world_info;

/* Writes / reads one recorded transaction; read returns 1, 0 at the end, -1 on error. The
 * in/out arrays of a read record are malloc'd into *t and freed by sim_rec_free. */
int sim_rec_write(FILE *f, const sim_rec_tx *t);
int sim_rec_read(FILE *f, sim_rec_tx *t);
void sim_rec_free(sim_rec_tx *t);

/* The reference implementation: reads the recorded subgraph from `rec` (rewound), computes
 * every model, and writes truth.json to `out`. Returns 0, or -1 with a message on stderr. */
int sim_reference_run(FILE *rec, FILE *out, const sim_world_info *w);

#endif
