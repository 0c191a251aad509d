/* chaintrail-sim: writes a regtest chain in which a theft is laundered the way thieves do it
 * (split, peel chains to exchange deposits, merges with clean coins, CoinJoin rounds, a
 * mixer, a bridge hop, dormant funds) among ordinary background activity (users, exchanges
 * with deposit addresses and consolidating hot wallets, a mixer, a CoinJoin coordinator, a
 * bridge), plus the labels CSV and the ground truth of every taint model (reference.c).
 * Seeded and deterministic; memory is bounded (fixed UTXO pools, one block in memory), so
 * it scales to tens of millions of transactions. See docs/simulator.md. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <secp256k1.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "chaintrail/bitcoin.h"
#include "base/hash.h"
#include "sim.h"
#include "base/util.h"

/* ---- parameters of the world ---- */
#define N_KEYS       16384u
#define N_EXCH       4u
#define N_DEPOSIT    32u /* deposit addresses per exchange */
#define K_DEPOSIT    0u  /* keys 0..127: deposits, exchange e at e * N_DEPOSIT */
#define K_HOT        128u
#define K_MIXER      132u
#define N_MIXER      4u
#define K_BRIDGE     136u
#define K_COORD      137u
#define K_MINER      138u
#define N_MINER      118u
#define K_THIEF      256u
#define N_THIEF      768u
#define K_USER       1024u
#define MATURITY     100u
#define BLOCK_MAX    900000u /* bytes of transactions per block, below the 1 MB base size */
#define FILE_MAX     (128u << 20)
#define MIN_OUT      1000u
#define GENESIS_TIME 1296688602u

static const uint8_t deposit_type[N_EXCH] = {SIM_P2WPKH, SIM_P2SH, SIM_P2PKH, SIM_P2TR};
static const uint8_t hot_type[N_EXCH] = {SIM_P2WSH, SIM_P2WPKH, SIM_P2SH, SIM_P2TR};

/* ---- deterministic random numbers: splitmix64 ---- */
typedef struct rng {
    uint64_t s;
} rng;

static uint64_t rnd64(rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}
/* Uniform enough in [0, n) for n > 0. */
static uint64_t rnd(rng *r, uint64_t n)
{
    return rnd64(r) % n;
}

/* ---- keys and scripts ---- */
typedef struct sim_key {
    uint8_t pub[33];
    uint8_t h160[20];  /* HASH160(pub) */
    uint8_t sh160[20]; /* HASH160(0014 h160): P2SH-P2WPKH */
    uint8_t wsh[32];   /* SHA256(21 pub ac): P2WSH */
} sim_key;

typedef struct utxo {
    uint8_t txid[32];
    uint32_t vout;
    uint32_t addr;
    uint64_t value;
    uint64_t ref;   /* output number in the recorded subgraph when poison-tainted, else 0 */
    uint8_t follow; /* poison-tainted and followed by a trace */
    uint8_t hop;    /* poison hop when tainted */
} utxo;

typedef struct pool {
    utxo *u;
    size_t n, cap;
} pool;

typedef struct txout {
    uint64_t value;
    uint32_t addr;
} txout;

#define TX_MAX_IN  64
#define TX_MAX_OUT 64

typedef struct txb {
    utxo in[TX_MAX_IN];
    size_t n_in;
    txout out[TX_MAX_OUT];
    pool *out_pool[TX_MAX_OUT];
    size_t n_out;
    bool coinjoin; /* a CoinJoin round: its inputs have several owners by design */
} txb;

/* ---- ownership truth (owners.csv, partition.csv, ownership.json) ----
 * Owner ids: every simulated address id (key * SIM_NTYPES + type; a P2PK output is the
 * P2PKH address of its key, as block explorers and chaintrail show it), then per key the
 * P2PKH address of the uncompressed serialization that chaintrail links to a P2PK output,
 * then the genesis output's address and its link. */
#define N_SIM_ADDR   (N_KEYS * SIM_NTYPES)
#define ID_LINKED(k) (N_SIM_ADDR + (k))
#define ID_GENESIS   (N_SIM_ADDR + N_KEYS)
#define N_IDS        (ID_GENESIS + 2)

/* Entity kinds, in the order ownership.json names them. */
enum { OK_USER, OK_EXCHANGE, OK_MIXER, OK_BRIDGE, OK_COORD, OK_THIEF, OK_MINER, OK_GENESIS, OK_N };
static const char *const kind_names[OK_N] = {"user",        "exchange", "mixer", "bridge",
                                             "coordinator", "thief",    "miner", "genesis"};

typedef struct owners {
    uint32_t *parent; /* union-find over ids; a root is its cluster's first-seen member */
    uint32_t *seen;   /* 1 + first-seen rank, 0: never paid */
    uint32_t *order;  /* ids in first-seen order */
    uint32_t n_seen;
    uint32_t block_start; /* n_seen when the block being built began */
    uint64_t coinjoins, cospends, cross_owner, hot_sweeps;
    uint64_t cross_by_kinds[1u << OK_N]; /* cross-owner co-spends by the set of kinds */
    FILE *cj;                            /* coinjoins.txt, written as rounds happen */
} owners;

typedef struct sim {
    rng r;
    uint64_t seed, target_txs;
    unsigned hops;
    uint64_t dust;
    const char *dir;
    bool quiet;
    sim_key *keys;
    const ct_btc_params *net;
    ct_error err;
    /* pools */
    pool users, thief, mixer, bridge;
    pool deposits[N_EXCH], hot[N_EXCH];
    utxo coinbase_ring[MATURITY];
    /* block being built */
    uint32_t height;
    uint8_t prev[32];
    ct_buf txs;
    uint8_t (*txid)[32];
    uint8_t (*wtxid)[32];
    size_t n_tx, cap_tx;
    uint64_t fees;
    /* files */
    FILE *blk;
    unsigned file_no;
    uint64_t file_bytes, total_bytes;
    uint64_t blocks, txcount;
    uint8_t *scratch;
    size_t scratch_cap;
    /* the recorded subgraph */
    FILE *rec;
    uint64_t next_ref, rec_txs;
    /* the heist */
    uint32_t heist_height, tpb;
    bool heist_done;
    uint8_t theft_txid[32];
    uint32_t theft_height, victim_addr;
    owners own;
    unsigned deposit_labels; /* deposit addresses labelled per exchange (the first ones) */
    uint32_t *label_member;  /* per cluster root: its first-seen labelled member, or none */
} sim;

static uint32_t addr_of(uint32_t key, unsigned type)
{
    return key * SIM_NTYPES + type;
}

/* Writes the output script of an address; returns its length. */
static size_t out_script(const sim *s, uint8_t *p, uint32_t addr)
{
    const sim_key *k = &s->keys[addr / SIM_NTYPES];
    switch (addr % SIM_NTYPES) {
    case SIM_P2PKH:
        p[0] = 0x76, p[1] = 0xa9, p[2] = 0x14;
        memcpy(p + 3, k->h160, 20);
        p[23] = 0x88, p[24] = 0xac;
        return 25;
    case SIM_P2SH:
        p[0] = 0xa9, p[1] = 0x14;
        memcpy(p + 2, k->sh160, 20);
        p[22] = 0x87;
        return 23;
    case SIM_P2WPKH:
        p[0] = 0x00, p[1] = 0x14;
        memcpy(p + 2, k->h160, 20);
        return 22;
    case SIM_P2WSH:
        p[0] = 0x00, p[1] = 0x20;
        memcpy(p + 2, k->wsh, 32);
        return 34;
    case SIM_P2TR:
        p[0] = 0x51, p[1] = 0x20;
        memcpy(p + 2, k->pub + 1, 32);
        return 34;
    default: /* SIM_P2PK */
        p[0] = 0x21;
        memcpy(p + 1, k->pub, 33);
        p[34] = 0xac;
        return 35;
    }
}

static bool type_is_segwit(unsigned type)
{
    return type == SIM_P2SH || type == SIM_P2WPKH || type == SIM_P2WSH || type == SIM_P2TR;
}

/* A DER-shaped signature (it need not verify): r from the spent txid, s from the key. */
static void fake_sig(uint8_t sig[71], const utxo *u, const sim_key *k)
{
    sig[0] = 0x30, sig[1] = 0x44, sig[2] = 0x02, sig[3] = 0x20;
    memcpy(sig + 4, u->txid, 32);
    sig[4] &= 0x7f;
    sig[4] |= 0x01;
    sig[36] = 0x02, sig[37] = 0x20;
    memcpy(sig + 38, k->pub + 1, 32);
    sig[38] &= 0x3f;
    sig[38] |= 0x01;
    sig[70] = 0x01; /* SIGHASH_ALL */
}

static int put_keys(sim *s)
{
    secp256k1_context *ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    if (!ctx)
        return -1;
    s->keys = calloc(N_KEYS, sizeof(*s->keys));
    if (!s->keys) {
        secp256k1_context_destroy(ctx);
        return -1;
    }
    for (uint32_t i = 0; i < N_KEYS; i++) {
        uint8_t material[16], sec[32];
        ct_put_le64(material, s->seed);
        ct_put_le32(material + 8, i);
        ct_put_le32(material + 12, 0x6b6579u); /* "key" */
        ct_sha256(sec, material, sizeof(material));
        secp256k1_pubkey pk;
        while (!secp256k1_ec_pubkey_create(ctx, &pk, sec))
            ct_sha256(sec, sec, 32); /* out of range: astronomically rare */
        size_t len = 33;
        if (!secp256k1_ec_pubkey_serialize(ctx, s->keys[i].pub, &len, &pk, SECP256K1_EC_COMPRESSED))
            return -1;
        sim_key *k = &s->keys[i];
        ct_hash160(k->h160, k->pub, 33);
        uint8_t redeem[22] = {0x00, 0x14};
        memcpy(redeem + 2, k->h160, 20);
        ct_hash160(k->sh160, redeem, 22);
        uint8_t ws[35] = {0x21};
        memcpy(ws + 1, k->pub, 33);
        ws[34] = 0xac;
        ct_sha256(k->wsh, ws, 35);
    }
    secp256k1_context_destroy(ctx);
    return 0;
}

/* Label category of an address id, and its label text. */
static int label_of(const sim *s, uint32_t addr, const char **label)
{
    static const char *const names[N_EXCH * 2] = {
        "SimEx A deposit", "SimEx A hot wallet", "SimEx B deposit", "SimEx B hot wallet",
        "SimEx C deposit", "SimEx C hot wallet", "SimEx D deposit", "SimEx D hot wallet"};
    uint32_t key = addr / SIM_NTYPES, type = addr % SIM_NTYPES;
    if (key < K_DEPOSIT + N_EXCH * N_DEPOSIT) {
        unsigned e = (key - K_DEPOSIT) / N_DEPOSIT;
        if (type == deposit_type[e] && (key - K_DEPOSIT) % N_DEPOSIT < s->deposit_labels) {
            *label = names[2 * e];
            return SIM_LBL_EXCHANGE;
        }
    } else if (key >= K_HOT && key < K_HOT + N_EXCH) {
        if (type == hot_type[key - K_HOT]) {
            *label = names[2 * (key - K_HOT) + 1];
            return SIM_LBL_EXCHANGE;
        }
    } else if (key >= K_MIXER && key < K_MIXER + N_MIXER) {
        if (type == SIM_P2WPKH) {
            *label = "SimMixer";
            return SIM_LBL_MIXER;
        }
    } else if (key == K_BRIDGE && type == SIM_P2WSH) {
        *label = "SimBridge";
        return SIM_LBL_BRIDGE;
    }
    *label = NULL;
    return SIM_LBL_NONE;
}

static void addr_text(const sim *s, uint32_t addr, char *out)
{
    uint8_t script[40];
    size_t n = out_script(s, script, addr);
    ct_btc_dest d;
    if (ct_btc_script_dest(&d, script, n, s->net) != CT_OK || d.n_addr == 0) {
        out[0] = 0;
        return;
    }
    memcpy(out, d.addr[0], CT_BTC_ADDR_MAX);
}

static void cb_addr_text(void *ctx, uint32_t addr, char *out)
{
    addr_text(ctx, addr, out);
}
static int cb_addr_label(void *ctx, uint32_t addr, const char **label)
{
    return label_of(ctx, addr, label);
}

/* ---- ownership truth ---- */
/* The genesis coinbase's output key (uncompressed): its P2PK output is in every regtest
 * database. */
static const char genesis_pubkey_hex[] =
    "04678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4f355"
    "04e51ec112de5c384df7ba0b8d578a4c702b6bf11d5f";

/* The owner id of a simulated address: a P2PK output is its key's P2PKH address. */
static uint32_t owner_id(uint32_t addr)
{
    return addr % SIM_NTYPES == SIM_P2PK ? addr - SIM_P2PK + SIM_P2PKH : addr;
}

/* The kind of entity that owns id, and its number among entities of that kind. */
static unsigned owner_kind(uint32_t id, uint32_t *num)
{
    *num = 0;
    if (id >= ID_GENESIS)
        return OK_GENESIS;
    uint32_t key = id >= N_SIM_ADDR ? id - N_SIM_ADDR : id / SIM_NTYPES;
    if (key < K_HOT) {
        *num = (key - K_DEPOSIT) / N_DEPOSIT;
        return OK_EXCHANGE;
    }
    if (key < K_MIXER) {
        *num = key - K_HOT;
        return OK_EXCHANGE;
    }
    if (key < K_BRIDGE)
        return OK_MIXER;
    if (key == K_BRIDGE)
        return OK_BRIDGE;
    if (key == K_COORD)
        return OK_COORD;
    if (key < K_THIEF) {
        *num = key - K_MINER;
        return OK_MINER;
    }
    if (key < K_USER)
        return OK_THIEF;
    *num = key - K_USER;
    return OK_USER;
}

/* One number per entity, dense enough for a bitmap: kind * N_KEYS + number. */
static uint32_t owner_entity(uint32_t id)
{
    uint32_t num;
    unsigned kind = owner_kind(id, &num);
    return kind * N_KEYS + num;
}

static void owner_entity_name(uint32_t id, char *out, size_t size)
{
    uint32_t num;
    unsigned kind = owner_kind(id, &num);
    if (kind == OK_EXCHANGE)
        snprintf(out, size, "exchange-%c", 'A' + (char)num);
    else if (kind == OK_MINER || kind == OK_USER)
        snprintf(out, size, "%s-%" PRIu32, kind_names[kind], num);
    else
        snprintf(out, size, "%s", kind_names[kind]);
}

static int owners_init(owners *o)
{
    o->parent = malloc(N_IDS * sizeof(*o->parent));
    o->seen = calloc(N_IDS, sizeof(*o->seen));
    o->order = malloc(N_IDS * sizeof(*o->order));
    if (!o->parent || !o->seen || !o->order)
        return -1;
    for (uint32_t i = 0; i < N_IDS; i++)
        o->parent[i] = i;
    return 0;
}

static void owners_release(owners *o)
{
    free(o->parent), free(o->seen), free(o->order);
    if (o->cj)
        fclose(o->cj);
}

static uint32_t uf_find(owners *o, uint32_t x)
{
    while (o->parent[x] != x) {
        o->parent[x] = o->parent[o->parent[x]];
        x = o->parent[x];
    }
    return x;
}

/* Unites the clusters of a and b; the root is the member seen first. */
static void uf_union(owners *o, uint32_t a, uint32_t b)
{
    a = uf_find(o, a), b = uf_find(o, b);
    if (a == b)
        return;
    if (o->seen[b] < o->seen[a])
        o->parent[a] = b;
    else
        o->parent[b] = a;
}

static void owner_seen(owners *o, uint32_t id)
{
    if (o->seen[id])
        return;
    o->order[o->n_seen++] = id;
    o->seen[id] = o->n_seen;
}

/* An output pays addr: first sight, and a P2PK output's link to the uncompressed key. */
static void owners_output(owners *o, uint32_t addr)
{
    uint32_t id = owner_id(addr);
    owner_seen(o, id);
    if (addr % SIM_NTYPES == SIM_P2PK) {
        uint32_t linked = ID_LINKED(addr / SIM_NTYPES);
        owner_seen(o, linked);
        uf_union(o, id, linked);
    }
}

/* The coinbase is built after the block's other transactions but comes first in the
 * block: its address, when new, is put where the block's addresses begin. */
static void owners_coinbase(owners *o, uint32_t addr)
{
    uint32_t id = owner_id(addr);
    if (o->seen[id])
        return;
    uint32_t at = o->block_start;
    memmove(o->order + at + 1, o->order + at, (o->n_seen - at) * sizeof(*o->order));
    for (uint32_t i = at + 1; i <= o->n_seen; i++)
        o->seen[o->order[i]]++;
    o->order[at] = id;
    o->seen[id] = at + 1;
    o->n_seen++;
}

/* A committed transaction: its outputs are seen, then (CoinJoins excepted) its input
 * addresses are one owner's, as multi-input clustering assumes. Counts the co-spends that
 * join several entities. */
static int owners_tx(sim *s, const txb *t, const uint8_t txid[32])
{
    owners *o = &s->own;
    for (size_t j = 0; j < t->n_out; j++)
        owners_output(o, t->out[j].addr);
    if (t->coinjoin) {
        o->coinjoins++;
        char hex[65];
        for (int i = 0; i < 32; i++) /* display order */
            snprintf(hex + 2 * i, 3, "%02x", txid[31 - i]);
        return fprintf(o->cj, "%s\n", hex) < 0 ? -1 : 0;
    }
    bool several = false, cross = false;
    unsigned kinds = 0;
    uint32_t first = owner_id(t->in[0].addr), ent = owner_entity(first);
    for (size_t i = 0; i < t->n_in; i++) {
        uint32_t id = owner_id(t->in[i].addr), num;
        several |= id != first;
        cross |= owner_entity(id) != ent;
        kinds |= 1u << owner_kind(id, &num);
        uf_union(o, first, id);
    }
    if (several)
        o->cospends++;
    if (cross) {
        o->cross_owner++;
        o->cross_by_kinds[kinds]++;
    }
    return 0;
}

/* The text of an owner id. */
static void owner_text(const sim *s, uint32_t id, char *out)
{
    if (id < N_SIM_ADDR) {
        addr_text(s, id, out);
        return;
    }
    uint8_t script[67];
    size_t n;
    if (id >= ID_GENESIS) {
        script[0] = 0x41;
        for (size_t i = 0; i < 65; i++)
            script[1 + i] = (uint8_t)(ct_hex_digit(genesis_pubkey_hex[2 * i]) << 4 |
                                      ct_hex_digit(genesis_pubkey_hex[2 * i + 1]));
        script[66] = 0xac;
        n = 67;
    } else {
        n = out_script(s, script, addr_of(id - N_SIM_ADDR, SIM_P2PK));
    }
    ct_btc_dest d;
    out[0] = 0;
    if (ct_btc_script_dest(&d, script, n, s->net) != CT_OK || d.n_addr == 0)
        return;
    memcpy(out, id == ID_GENESIS ? d.addr[0] : d.linked[0], CT_BTC_ADDR_MAX);
}

/* ---- pools ---- */
static int pool_init(pool *p, size_t cap)
{
    p->u = calloc(cap, sizeof(*p->u));
    p->n = 0;
    p->cap = cap;
    return p->u ? 0 : -1;
}

/* Takes a random entry out of the pool. */
static utxo pool_take(sim *s, pool *p)
{
    size_t i = (size_t)rnd(&s->r, p->n);
    utxo u = p->u[i];
    p->u[i] = p->u[--p->n];
    return u;
}

static uint32_t user_addr(sim *s)
{
    /* Roughly mainnet's mix of output types (addresses.md counts). */
    static const uint8_t mix[100] = {
        SIM_P2PKH,  SIM_P2PKH,  SIM_P2PKH,  SIM_P2PKH,  SIM_P2PKH,  SIM_P2PKH,  SIM_P2PKH,
        SIM_P2PKH,  SIM_P2PKH,  SIM_P2PKH,  SIM_P2PKH,  SIM_P2PKH,  SIM_P2PKH,  SIM_P2PKH,
        SIM_P2PKH,  SIM_P2PKH,  SIM_P2PKH,  SIM_P2PKH,  SIM_P2PKH,  SIM_P2PKH,  SIM_P2PKH,
        SIM_P2PKH,  SIM_P2PKH,  SIM_P2PKH,  SIM_P2PKH,  SIM_P2PKH,  SIM_P2PKH,  SIM_P2PKH,
        SIM_P2SH,   SIM_P2SH,   SIM_P2SH,   SIM_P2SH,   SIM_P2SH,   SIM_P2SH,   SIM_P2SH,
        SIM_P2SH,   SIM_P2SH,   SIM_P2SH,   SIM_P2SH,   SIM_P2SH,   SIM_P2SH,   SIM_P2SH,
        SIM_P2SH,   SIM_P2SH,   SIM_P2SH,   SIM_P2SH,   SIM_P2SH,   SIM_P2SH,   SIM_P2WPKH,
        SIM_P2WPKH, SIM_P2WPKH, SIM_P2WPKH, SIM_P2WPKH, SIM_P2WPKH, SIM_P2WPKH, SIM_P2WPKH,
        SIM_P2WPKH, SIM_P2WPKH, SIM_P2WPKH, SIM_P2WPKH, SIM_P2WPKH, SIM_P2WPKH, SIM_P2WPKH,
        SIM_P2WPKH, SIM_P2WPKH, SIM_P2WPKH, SIM_P2WPKH, SIM_P2WPKH, SIM_P2WPKH, SIM_P2WPKH,
        SIM_P2WPKH, SIM_P2WPKH, SIM_P2WPKH, SIM_P2WPKH, SIM_P2WPKH, SIM_P2WPKH, SIM_P2WPKH,
        SIM_P2WPKH, SIM_P2WPKH, SIM_P2WPKH, SIM_P2WPKH, SIM_P2WSH,  SIM_P2WSH,  SIM_P2WSH,
        SIM_P2WSH,  SIM_P2TR,   SIM_P2TR,   SIM_P2TR,   SIM_P2TR,   SIM_P2TR,   SIM_P2TR,
        SIM_P2TR,   SIM_P2TR,   SIM_P2TR,   SIM_P2TR,   SIM_P2PK,   SIM_P2PK,   SIM_P2PK,
        SIM_P2PK,   SIM_P2PK};
    return addr_of(K_USER + (uint32_t)rnd(&s->r, N_KEYS - K_USER), mix[rnd(&s->r, 100)]);
}

static uint32_t thief_addr(sim *s)
{
    static const uint8_t mix[8] = {SIM_P2WPKH, SIM_P2WPKH, SIM_P2WPKH, SIM_P2TR,
                                   SIM_P2TR,   SIM_P2SH,   SIM_P2PKH,  SIM_P2WSH};
    return addr_of(K_THIEF + (uint32_t)rnd(&s->r, N_THIEF), mix[rnd(&s->r, 8)]);
}

static uint32_t deposit_addr(sim *s, unsigned e)
{
    return addr_of(K_DEPOSIT + e * N_DEPOSIT + (uint32_t)rnd(&s->r, N_DEPOSIT), deposit_type[e]);
}

/* ---- transactions ---- */
static void tx_reset(txb *t)
{
    t->n_in = 0;
    t->n_out = 0;
    t->coinjoin = false;
}
static void tx_in(txb *t, const utxo *u)
{
    t->in[t->n_in++] = *u;
}
/* An output; `to` is the pool that will own it (NULL: nobody will ever spend it). */
static void tx_out(txb *t, uint64_t value, uint32_t addr, pool *to)
{
    t->out[t->n_out].value = value;
    t->out[t->n_out].addr = addr;
    t->out_pool[t->n_out] = to;
    t->n_out++;
}
static uint64_t tx_in_value(const txb *t)
{
    uint64_t v = 0;
    for (size_t i = 0; i < t->n_in; i++)
        v += t->in[i].value;
    return v;
}
static uint64_t fee_for(size_t n_in, size_t n_out)
{
    return 100 + 70 * (uint64_t)n_in + 32 * (uint64_t)n_out;
}

static void buf_varint(ct_buf *b, uint64_t v, int *ok)
{
    uint8_t p[9];
    size_t n;
    if (v < 0xfd)
        p[0] = (uint8_t)v, n = 1;
    else if (v <= 0xffff)
        p[0] = 0xfd, p[1] = (uint8_t)v, p[2] = (uint8_t)(v >> 8), n = 3;
    else if (v <= 0xffffffffu)
        p[0] = 0xfe, ct_put_le32(p + 1, (uint32_t)v), n = 5;
    else
        p[0] = 0xff, ct_put_le64(p + 1, v), n = 9;
    if (ct_buf_append(b, p, n) != CT_OK)
        *ok = 0;
}
static void buf_put(ct_buf *b, const void *p, size_t n, int *ok)
{
    if (ct_buf_append(b, p, n) != CT_OK)
        *ok = 0;
}

static int grow_txids(sim *s)
{
    if (s->n_tx < s->cap_tx)
        return 0;
    size_t cap = s->cap_tx ? s->cap_tx * 2 : 1024;
    void *a = realloc(s->txid, cap * 32), *b = realloc(s->wtxid, cap * 32);
    if (a)
        s->txid = a;
    if (b)
        s->wtxid = b;
    if (!a || !b)
        return -1;
    s->cap_tx = cap;
    return 0;
}

/* Serializes the transaction into the block, records it when it touches poison taint, and
 * puts its outputs into their pools. `source`: the theft, whose outputs are the sources. */
static int tx_commit(sim *s, txb *t, bool source)
{
    if (grow_txids(s) != 0)
        return -1;
    bool segwit = false;
    for (size_t i = 0; i < t->n_in; i++)
        segwit |= type_is_segwit(t->in[i].addr % SIM_NTYPES);
    ct_buf *b = &s->txs;
    int ok = 1;
    size_t start = b->len;
    uint8_t v4[4];
    ct_put_le32(v4, 2);
    buf_put(b, v4, 4, &ok);
    if (segwit)
        buf_put(b, "\x00\x01", 2, &ok);
    size_t body = b->len;
    buf_varint(b, t->n_in, &ok);
    uint8_t sig[71];
    for (size_t i = 0; i < t->n_in; i++) {
        const utxo *u = &t->in[i];
        const sim_key *k = &s->keys[u->addr / SIM_NTYPES];
        uint8_t p[200];
        size_t n = 0;
        memcpy(p, u->txid, 32);
        ct_put_le32(p + 32, u->vout);
        n = 36;
        fake_sig(sig, u, k);
        switch (u->addr % SIM_NTYPES) {
        case SIM_P2PKH:
            p[n++] = 106, p[n++] = 71;
            memcpy(p + n, sig, 71), n += 71;
            p[n++] = 33;
            memcpy(p + n, k->pub, 33), n += 33;
            break;
        case SIM_P2PK:
            p[n++] = 72, p[n++] = 71;
            memcpy(p + n, sig, 71), n += 71;
            break;
        case SIM_P2SH:
            p[n++] = 23, p[n++] = 22, p[n++] = 0x00, p[n++] = 0x14;
            memcpy(p + n, k->h160, 20), n += 20;
            break;
        default:
            p[n++] = 0;
            break;
        }
        ct_put_le32(p + n, 0xfffffffdu);
        n += 4;
        buf_put(b, p, n, &ok);
    }
    buf_varint(b, t->n_out, &ok);
    for (size_t j = 0; j < t->n_out; j++) {
        uint8_t p[48];
        ct_put_le64(p, t->out[j].value);
        size_t n = out_script(s, p + 9, t->out[j].addr);
        p[8] = (uint8_t)n;
        buf_put(b, p, 9 + n, &ok);
    }
    size_t body_end = b->len;
    if (segwit) {
        for (size_t i = 0; i < t->n_in; i++) {
            const utxo *u = &t->in[i];
            const sim_key *k = &s->keys[u->addr / SIM_NTYPES];
            uint8_t p[160];
            size_t n = 0;
            fake_sig(sig, u, k);
            switch (u->addr % SIM_NTYPES) {
            case SIM_P2SH:
            case SIM_P2WPKH:
                p[n++] = 2, p[n++] = 71;
                memcpy(p + n, sig, 71), n += 71;
                p[n++] = 33;
                memcpy(p + n, k->pub, 33), n += 33;
                break;
            case SIM_P2WSH:
                p[n++] = 2, p[n++] = 71;
                memcpy(p + n, sig, 71), n += 71;
                p[n++] = 35, p[n++] = 0x21;
                memcpy(p + n, k->pub, 33), n += 33;
                p[n++] = 0xac;
                break;
            case SIM_P2TR:
                p[n++] = 1, p[n++] = 64;
                memcpy(p + n, sig + 4, 32), n += 32;
                memcpy(p + n, sig + 38, 32), n += 32;
                break;
            default:
                p[n++] = 0;
                break;
            }
            buf_put(b, p, n, &ok);
        }
    }
    uint8_t lt[4] = {0, 0, 0, 0};
    buf_put(b, lt, 4, &ok);
    if (!ok)
        return -1;
    /* txid over version, body and locktime; wtxid over everything */
    ct_sha256_ctx c;
    ct_sha256_init(&c);
    ct_sha256_update(&c, b->data + start, 4);
    ct_sha256_update(&c, b->data + body, body_end - body);
    ct_sha256_update(&c, lt, 4);
    uint8_t *txid = s->txid[s->n_tx];
    ct_sha256d_final(&c, txid);
    if (segwit)
        ct_sha256d(s->wtxid[s->n_tx], b->data + start, b->len - start);
    else
        memcpy(s->wtxid[s->n_tx], txid, 32);
    s->n_tx++;
    s->txcount++;
    if (owners_tx(s, t, txid) != 0)
        return -1;
    uint64_t vin = tx_in_value(t), vout = 0;
    for (size_t j = 0; j < t->n_out; j++)
        vout += t->out[j].value;
    s->fees += vin - vout;

    /* poison bookkeeping and the recorded subgraph */
    bool marked = source, follow_in = false;
    unsigned hop = UINT_MAX;
    for (size_t i = 0; i < t->n_in; i++) {
        marked |= t->in[i].ref != 0;
        if (t->in[i].follow) {
            follow_in = true;
            if (t->in[i].hop < hop)
                hop = t->in[i].hop;
        }
    }
    bool tainted = source || follow_in;
    unsigned out_hop = source ? 0 : hop + 1;
    uint64_t first_ref = 0;
    if (marked) {
        sim_rec_in rin[TX_MAX_IN];
        sim_rec_out rout[TX_MAX_OUT];
        first_ref = s->next_ref;
        for (size_t i = 0; i < t->n_in; i++) {
            rin[i].ref = t->in[i].ref;
            rin[i].value = t->in[i].value;
        }
        for (size_t j = 0; j < t->n_out; j++) {
            const char *lbl;
            rout[j].value = t->out[j].value;
            rout[j].addr = t->out[j].addr;
            rout[j].follow = tainted && t->out[j].value > 0 &&
                             label_of(s, t->out[j].addr, &lbl) == SIM_LBL_NONE &&
                             out_hop < s->hops && t->out[j].value >= s->dust;
        }
        sim_rec_tx rt = {.height = s->height,
                         .time = GENESIS_TIME + s->height * 600u,
                         .source = source,
                         .n_in = (uint16_t)t->n_in,
                         .n_out = (uint16_t)t->n_out,
                         .first_ref = first_ref,
                         .in = rin,
                         .out = rout};
        memcpy(rt.txid, txid, 32);
        if (sim_rec_write(s->rec, &rt) != 0)
            return -1;
        s->next_ref += t->n_out;
        s->rec_txs++;
        for (size_t j = 0; j < t->n_out; j++) {
            pool *p = t->out_pool[j];
            if (!p || p->n >= p->cap)
                continue;
            utxo *u = &p->u[p->n++];
            memcpy(u->txid, txid, 32);
            u->vout = (uint32_t)j;
            u->addr = t->out[j].addr;
            u->value = t->out[j].value;
            u->ref = tainted ? first_ref + j : 0;
            u->follow = rout[j].follow;
            u->hop = (uint8_t)(out_hop > 255 ? 255 : out_hop);
        }
        return 0;
    }
    for (size_t j = 0; j < t->n_out; j++) {
        pool *p = t->out_pool[j];
        if (!p || p->n >= p->cap)
            continue; /* a coin its owner never spends: unspent at the tip */
        utxo *u = &p->u[p->n++];
        memcpy(u->txid, txid, 32);
        u->vout = (uint32_t)j;
        u->addr = t->out[j].addr;
        u->value = t->out[j].value;
        u->ref = 0;
        u->follow = 0;
        u->hop = 0;
    }
    return 0;
}

/* ---- blocks and files ---- */
static int open_blk(sim *s)
{
    char path[4096];
    if (s->blk && fclose(s->blk) != 0) {
        s->blk = NULL;
        return -1;
    }
    snprintf(path, sizeof(path), "%s/blocks/blk%05u.dat", s->dir, s->file_no++);
    s->blk = fopen(path, "wb");
    if (!s->blk) {
        fprintf(stderr, "chaintrail-sim: cannot create '%s': %s\n", path, strerror(errno));
        return -1;
    }
    setvbuf(s->blk, NULL, _IOFBF, 4u << 20);
    s->file_bytes = 0;
    return 0;
}

static int write_record(sim *s, const uint8_t *hdr, const uint8_t *cb, size_t cb_len,
                        const uint8_t *rest, size_t rest_len, uint64_t n_tx)
{
    uint8_t cnt[9];
    size_t cn;
    if (n_tx < 0xfd)
        cnt[0] = (uint8_t)n_tx, cn = 1;
    else
        cnt[0] = 0xfd, cnt[1] = (uint8_t)n_tx, cnt[2] = (uint8_t)(n_tx >> 8), cn = 3;
    uint64_t size = 80 + cn + cb_len + rest_len;
    if (s->file_bytes + 8 + size > FILE_MAX && s->file_bytes > 0 && open_blk(s) != 0)
        return -1;
    uint8_t pre[8];
    memcpy(pre, s->net->magic, 4);
    ct_put_le32(pre + 4, (uint32_t)size);
    if (fwrite(pre, 1, 8, s->blk) != 8 || fwrite(hdr, 1, 80, s->blk) != 80 ||
        fwrite(cnt, 1, cn, s->blk) != cn || fwrite(cb, 1, cb_len, s->blk) != cb_len ||
        (rest_len && fwrite(rest, 1, rest_len, s->blk) != rest_len)) {
        fprintf(stderr, "chaintrail-sim: cannot write block %" PRIu32 ": %s\n", s->height,
                strerror(errno));
        return -1;
    }
    s->file_bytes += 8 + size;
    s->total_bytes += 8 + size;
    s->blocks++;
    return 0;
}

static void merkle_root(uint8_t root[32], uint8_t (*leaves)[32], size_t n)
{
    /* in place: the leaves are not needed afterwards */
    while (n > 1) {
        size_t m = 0;
        for (size_t i = 0; i < n; i += 2)
            ct_sha256d_pair(leaves[m++], leaves[i], leaves[i + 1 < n ? i + 1 : i]);
        n = m;
    }
    memcpy(root, leaves[0], 32);
}

static int header_pow(sim *s, uint8_t hdr[80], uint8_t hash[32], const uint8_t root[32],
                      uint32_t time)
{
    ct_put_le32(hdr, 0x20000000u);
    memcpy(hdr + 4, s->prev, 32);
    memcpy(hdr + 36, root, 32);
    ct_put_le32(hdr + 68, time);
    ct_put_le32(hdr + 72, 0x207fffffu);
    for (uint32_t nonce = 0; nonce < 1000000u; nonce++) {
        ct_put_le32(hdr + 76, nonce);
        ct_sha256d(hash, hdr, 80);
        if (ct_btc_check_pow(hash, 0x207fffffu, s->net, NULL) == CT_OK)
            return 0;
    }
    return -1;
}

static int write_genesis(sim *s)
{
    /* Regtest's genesis block: the coinbase every network shares, nonce 2. */
    static const char cb_hex[] =
        "01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff4d04"
        "ffff001d0104455468652054696d65732030332f4a616e2f32303039204368616e63656c6c6f72206f6e"
        "206272696e6b206f66207365636f6e64206261696c6f757420666f722062616e6b73ffffffff0100f205"
        "2a01000000434104678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6"
        "bc3f4cef38c4f35504e51ec112de5c384df7ba0b8d578a4c702b6bf11d5fac00000000";
    uint8_t cb[sizeof(cb_hex) / 2], hdr[80], h[32], root[32];
    for (size_t i = 0; i < sizeof(cb); i++)
        cb[i] = (uint8_t)(ct_hex_digit(cb_hex[2 * i]) << 4 | ct_hex_digit(cb_hex[2 * i + 1]));
    ct_sha256d(root, cb, sizeof(cb));
    memset(hdr, 0, 80);
    ct_put_le32(hdr, 1);
    memcpy(hdr + 36, root, 32);
    ct_put_le32(hdr + 68, GENESIS_TIME);
    ct_put_le32(hdr + 72, 0x207fffffu);
    ct_put_le32(hdr + 76, 2);
    ct_sha256d(h, hdr, 80);
    if (memcmp(h, s->net->genesis, 32) != 0) {
        fprintf(stderr, "chaintrail-sim: regtest genesis hash mismatch\n");
        return -1;
    }
    memcpy(s->prev, h, 32);
    s->txcount++;
    owner_seen(&s->own, ID_GENESIS);
    owner_seen(&s->own, ID_GENESIS + 1);
    uf_union(&s->own, ID_GENESIS, ID_GENESIS + 1);
    return write_record(s, hdr, cb, sizeof(cb), NULL, 0, 1);
}

static uint64_t subsidy(uint32_t height)
{
    unsigned halvings = height / 150; /* regtest */
    return halvings >= 64 ? 0 : 5000000000ULL >> halvings;
}

/* Closes the block being built: coinbase (BIP34 height, subsidy + fees, witness
 * commitment), merkle root, proof of work, record. */
static int finish_block(sim *s)
{
    uint8_t cb[200];
    size_t n = 0;
    uint32_t h = s->height;
    uint32_t miner =
        addr_of(K_MINER + (uint32_t)rnd(&s->r, N_MINER), rnd(&s->r, 2) ? SIM_P2WPKH : SIM_P2PKH);
    ct_put_le32(cb, 2);
    cb[4] = 0x00, cb[5] = 0x01; /* segwit: the witness reserved value */
    cb[6] = 1;
    memset(cb + 7, 0, 32);
    ct_put_le32(cb + 39, 0xffffffffu);
    n = 43;
    /* scriptSig: BIP34 height as Core's CScript << height, then 4 extra bytes */
    uint8_t ss[16];
    size_t sn = 0;
    if (h >= 1 && h <= 16) {
        ss[sn++] = (uint8_t)(0x50 + h);
    } else {
        uint8_t num[5];
        size_t nl = 0;
        for (uint32_t x = h; x; x >>= 8)
            num[nl++] = (uint8_t)x;
        if (num[nl - 1] & 0x80)
            num[nl++] = 0;
        ss[sn++] = (uint8_t)nl;
        memcpy(ss + sn, num, nl), sn += nl;
    }
    ss[sn++] = 4;
    ct_put_le32(ss + sn, (uint32_t)s->seed), sn += 4;
    cb[n++] = (uint8_t)sn;
    memcpy(cb + n, ss, sn), n += sn;
    ct_put_le32(cb + n, 0xffffffffu), n += 4;
    cb[n++] = 2;
    uint64_t reward = subsidy(h) + s->fees;
    ct_put_le64(cb + n, reward), n += 8;
    size_t sl = out_script(s, cb + n + 1, miner);
    cb[n] = (uint8_t)sl, n += 1 + sl;
    /* witness commitment: wtxid of the coinbase is zero */
    memset(s->wtxid[0], 0, 32);
    uint8_t wroot[32], commit_in[64], commit[32];
    merkle_root(wroot, s->wtxid, s->n_tx);
    memcpy(commit_in, wroot, 32);
    memset(commit_in + 32, 0, 32);
    ct_sha256d(commit, commit_in, 64);
    ct_put_le64(cb + n, 0), n += 8;
    cb[n++] = 38;
    memcpy(cb + n, "\x6a\x24\xaa\x21\xa9\xed", 6), n += 6;
    memcpy(cb + n, commit, 32), n += 32;
    cb[n++] = 1, cb[n++] = 32; /* witness: one item of 32 zero bytes */
    memset(cb + n, 0, 32), n += 32;
    memset(cb + n, 0, 4), n += 4;
    /* txid of the coinbase: without marker, flag and witness */
    ct_sha256_ctx c;
    ct_sha256_init(&c);
    ct_sha256_update(&c, cb, 4);
    ct_sha256_update(&c, cb + 6, n - 6 - 4 - 34);
    ct_sha256_update(&c, cb + n - 4, 4);
    ct_sha256d_final(&c, s->txid[0]);
    owners_coinbase(&s->own, miner);
    utxo *ring = &s->coinbase_ring[h % MATURITY];
    memcpy(ring->txid, s->txid[0], 32);
    ring->vout = 0;
    ring->addr = miner;
    ring->value = reward;
    ring->ref = 0, ring->follow = 0, ring->hop = 0;

    uint8_t root[32], hdr[80], hash[32];
    merkle_root(root, s->txid, s->n_tx);
    uint32_t time = GENESIS_TIME + h * 600u;
    if (header_pow(s, hdr, hash, root, time) != 0) {
        fprintf(stderr, "chaintrail-sim: no nonce found for block %" PRIu32 "\n", h);
        return -1;
    }
    if (write_record(s, hdr, cb, n, s->txs.data, s->txs.len, s->n_tx) != 0)
        return -1;
    memcpy(s->prev, hash, 32);
    return 0;
}

/* ---- actors ---- */
/* Takes inputs from `p` until they are worth at least `need` (at most `max`); false when the
 * pool cannot provide them (the inputs taken go back). */
static bool gather(sim *s, txb *t, pool *p, uint64_t need, size_t max)
{
    size_t first = t->n_in;
    while (tx_in_value(t) < need || t->n_in == first) {
        if (p->n == 0 || t->n_in - first >= max || t->n_in >= TX_MAX_IN) {
            for (size_t i = first; i < t->n_in; i++)
                p->u[p->n++] = t->in[i];
            t->n_in = first;
            return false;
        }
        utxo u = pool_take(s, p);
        tx_in(t, &u);
    }
    return true;
}

/* Pays `pay` to addr (pool to) from inputs worth V, change to change_addr (pool cp); the
 * payment absorbs a change too small to keep. */
static int pay_with_change(sim *s, txb *t, uint64_t pay, uint32_t addr, pool *to,
                           uint32_t change_addr, pool *cp)
{
    uint64_t v = tx_in_value(t), fee = fee_for(t->n_in, 2);
    if (pay + fee + MIN_OUT > v) {
        fee = fee_for(t->n_in, 1);
        tx_out(t, v - fee, addr, to);
    } else {
        tx_out(t, pay, addr, to);
        tx_out(t, v - pay - fee, change_addr, cp);
    }
    return tx_commit(s, t, false);
}

/* An ordinary payment between users; the shape keeps the users' pool near half full. */
static int act_payment(sim *s)
{
    txb t;
    tx_reset(&t);
    pool *p = &s->users;
    size_t nin = p->n > p->cap * 3 / 4 ? 3 : p->n < p->cap / 4 ? 1 : 1 + (size_t)rnd(&s->r, 2);
    if (!gather(s, &t, p, 20000, nin))
        return 1;
    while (t.n_in < nin && p->n > 0) {
        utxo u = pool_take(s, p);
        tx_in(&t, &u);
    }
    uint64_t v = tx_in_value(&t);
    size_t nout = p->n < p->cap / 4 ? 3 + (size_t)rnd(&s->r, 2) : 2;
    uint64_t fee = fee_for(t.n_in, nout);
    if (v < fee + nout * MIN_OUT * 4)
        nout = 1, fee = fee_for(t.n_in, 1);
    uint64_t left = v - fee;
    for (size_t j = 0; j + 1 < nout; j++) {
        uint64_t part = left * (5 + rnd(&s->r, 50)) / 100;
        if (part < MIN_OUT)
            part = MIN_OUT;
        tx_out(&t, part, user_addr(s), p);
        left -= part;
    }
    tx_out(&t, left, user_addr(s), p);
    return tx_commit(s, &t, false);
}

/* The miner spends the coinbase of MATURITY blocks ago: a pool payout to many users. */
static int act_payout(sim *s)
{
    utxo *cbu = &s->coinbase_ring[s->height % MATURITY];
    if (cbu->value < 100000)
        return 1;
    txb t;
    tx_reset(&t);
    tx_in(&t, cbu);
    size_t nout = 8 + (size_t)rnd(&s->r, 9);
    uint64_t fee = fee_for(1, nout), each = (cbu->value - fee) / nout;
    for (size_t j = 0; j + 1 < nout; j++)
        tx_out(&t, each, user_addr(s), &s->users);
    tx_out(&t, cbu->value - fee - each * (nout - 1), user_addr(s), &s->users);
    return tx_commit(s, &t, false);
}

/* Spends up to `max` coins of `from`, and one of `with` when it is given and not empty,
 * into one output. */
static int consolidate(sim *s, pool *from, size_t max, uint32_t to_addr, pool *to, pool *with)
{
    if (from->n == 0)
        return 1;
    txb t;
    tx_reset(&t);
    size_t n = from->n < max ? from->n : max;
    for (size_t i = 0; i < n; i++) {
        utxo u = pool_take(s, from);
        tx_in(&t, &u);
    }
    if (with && with->n > 0) {
        utxo u = pool_take(s, with);
        tx_in(&t, &u);
        s->own.hot_sweeps++;
    }
    uint64_t v = tx_in_value(&t), fee = fee_for(t.n_in, 1);
    tx_out(&t, v - fee, to_addr, to);
    return tx_commit(s, &t, false);
}

/* Exchanges B and D sweep their deposits together with a coin of their hot wallet, as real
 * exchanges' sweeps often do; A and C sweep deposits alone. */
static const bool sweep_with_hot[N_EXCH] = {false, true, false, true};

static int exchange_consolidate(sim *s, unsigned e)
{
    return consolidate(s, &s->deposits[e], 32, addr_of(K_HOT + e, hot_type[e]), &s->hot[e],
                       sweep_with_hot[e] ? &s->hot[e] : NULL);
}

/* Makes room in an exchange's deposit pool before paying into it. */
static int deposit_room(sim *s, unsigned e)
{
    if (s->deposits[e].n + 2 >= s->deposits[e].cap)
        return exchange_consolidate(s, e) < 0 ? -1 : 0;
    return 0;
}

static int act_deposit(sim *s)
{
    unsigned e = (unsigned)rnd(&s->r, N_EXCH);
    if (deposit_room(s, e) != 0)
        return -1;
    txb t;
    tx_reset(&t);
    if (!gather(s, &t, &s->users, 50000, 2))
        return 1;
    uint64_t v = tx_in_value(&t);
    return pay_with_change(s, &t, v * (20 + rnd(&s->r, 70)) / 100, deposit_addr(s, e),
                           &s->deposits[e], user_addr(s), &s->users);
}

static int act_withdraw(sim *s)
{
    unsigned e = (unsigned)rnd(&s->r, N_EXCH);
    pool *hp = &s->hot[e];
    uint32_t hot = addr_of(K_HOT + e, hot_type[e]);
    if (hp->n > hp->cap / 2)
        return consolidate(s, hp, 24, hot, hp, NULL);
    txb t;
    tx_reset(&t);
    if (!gather(s, &t, hp, 200000, 3))
        return 1;
    uint64_t v = tx_in_value(&t);
    size_t nout = 1 + (size_t)rnd(&s->r, 3);
    uint64_t fee = fee_for(t.n_in, nout + 1), spent = 0;
    for (size_t j = 0; j < nout; j++) {
        uint64_t part = (v - fee) * (2 + rnd(&s->r, 20)) / 100;
        if (part < MIN_OUT)
            part = MIN_OUT;
        tx_out(&t, part, user_addr(s), &s->users);
        spent += part;
    }
    tx_out(&t, v - fee - spent, hot, hp);
    return tx_commit(s, &t, false);
}

/* Users pay into a service (mixer or bridge) ... */
static int act_service_in(sim *s, uint32_t addr, pool *sp)
{
    if (sp->n + 2 >= sp->cap)
        return 1;
    txb t;
    tx_reset(&t);
    if (!gather(s, &t, &s->users, 50000, 2))
        return 1;
    uint64_t v = tx_in_value(&t);
    return pay_with_change(s, &t, v * (30 + rnd(&s->r, 60)) / 100, addr, sp, user_addr(s),
                           &s->users);
}

/* ... and the service pays users out, its change back to itself. */
static int act_service_out(sim *s, uint32_t change_addr, pool *sp, size_t max_out)
{
    txb t;
    tx_reset(&t);
    if (!gather(s, &t, sp, 100000, 2))
        return 1;
    uint64_t v = tx_in_value(&t);
    size_t nout = 1 + (size_t)rnd(&s->r, max_out);
    uint64_t fee = fee_for(t.n_in, nout + 1), spent = 0;
    for (size_t j = 0; j < nout; j++) {
        uint64_t part = (v - fee) * (5 + rnd(&s->r, 20)) / 100;
        if (part < MIN_OUT)
            part = MIN_OUT;
        tx_out(&t, part, user_addr(s), &s->users);
        spent += part;
    }
    tx_out(&t, v - fee - spent, change_addr, sp);
    return tx_commit(s, &t, false);
}

static uint32_t mixer_addr(sim *s)
{
    return addr_of(K_MIXER + (uint32_t)rnd(&s->r, N_MIXER), SIM_P2WPKH);
}

/* Whether a round already spends from (inputs) or pays to (outputs) the owner of addr. */
static bool round_has_addr(const txb *t, uint32_t addr, bool outputs)
{
    uint32_t id = owner_id(addr);
    if (outputs) {
        for (size_t j = 0; j < t->n_out; j++)
            if (owner_id(t->out[j].addr) == id)
                return true;
        return false;
    }
    for (size_t i = 0; i < t->n_in; i++)
        if (owner_id(t->in[i].addr) == id)
            return true;
    return false;
}

/* A fresh address for a round's output: a user's or the thief's, none the round pays yet. */
static uint32_t round_out_addr(sim *s, const txb *t, bool thief)
{
    uint32_t a = thief ? thief_addr(s) : user_addr(s);
    for (int tries = 0; tries < 16 && round_has_addr(t, a, true); tries++)
        a = thief ? thief_addr(s) : user_addr(s);
    return a;
}

/* A CoinJoin round (JoinMarket's shape with a coordinator's fee): users' inputs (and the
 * thief's, when `thief_in` is set), no two from one address; one equal output of d to each
 * participant, where d is what the smallest input holds after its fees (its owner sweeps:
 * no change); the others' changes; the coordinator's fee output, which the coordinator
 * keeps. Every output goes to its own address. */
static int act_coinjoin(sim *s, const utxo *thief_in)
{
    txb t;
    tx_reset(&t);
    t.coinjoin = true;
    size_t k = 4 + (size_t)rnd(&s->r, 5);
    bool mine[TX_MAX_IN] = {false};
    if (thief_in) {
        tx_in(&t, thief_in);
        mine[0] = true;
    }
    for (size_t draws = 0; t.n_in < k && s->users.n > 0 && draws < 4 * k; draws++) {
        utxo u = pool_take(s, &s->users);
        if (round_has_addr(&t, u.addr, false)) {
            s->users.u[s->users.n++] = u; /* one input per address and round */
            continue;
        }
        tx_in(&t, &u);
    }
    uint64_t minv = UINT64_MAX;
    size_t sweeper = 0;
    for (size_t i = 0; i < t.n_in; i++)
        if (t.in[i].value < minv)
            minv = t.in[i].value, sweeper = i;
    uint64_t share = 200 + 70 + 64; /* fee per participant: input, two outputs */
    /* the sweeper pays share + cfee out of minv, cfee = d / 1000 but at least 334 sat so
     * that the coordinator's output of n >= 3 fees is at least MIN_OUT */
    uint64_t d = minv > share ? (minv - share) / 1001 * 1000 : 0;
    if (d / 1000 < 334)
        d = minv > share + 334 ? minv - share - 334 : 0;
    if (t.n_in < 3 || d < 10000) {
        for (size_t i = thief_in ? 1 : 0; i < t.n_in; i++)
            s->users.u[s->users.n++] = t.in[i];
        if (thief_in)
            s->thief.u[s->thief.n++] = *thief_in;
        return 1;
    }
    uint64_t cfee = d / 1000 < 334 ? 334 : d / 1000; /* the coordinator's fee per participant */
    size_t n = t.n_in;
    for (size_t i = 0; i < n; i++)
        tx_out(&t, d, round_out_addr(s, &t, mine[i]), mine[i] ? &s->thief : &s->users);
    uint64_t coord = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t ch = t.in[i].value - d - share - cfee;
        coord += cfee;
        if (i != sweeper && ch >= MIN_OUT)
            tx_out(&t, ch, round_out_addr(s, &t, mine[i]), mine[i] ? &s->thief : &s->users);
    }
    tx_out(&t, coord, addr_of(K_COORD, SIM_P2WPKH), NULL);
    return tx_commit(s, &t, false);
}

/* ---- the heist and its laundering ---- */
static int heist(sim *s)
{
    /* The victim: the first exchange, in order A..D, with coins in its hot wallet, after
     * sweeping its deposits there if the hot wallet is empty. */
    unsigned e = 0;
    for (; e < N_EXCH; e++) {
        if (s->hot[e].n == 0 && s->deposits[e].n > 0 && exchange_consolidate(s, e) < 0)
            return -1;
        if (s->hot[e].n > 0)
            break;
    }
    if (e == N_EXCH)
        return 1;
    pool *hp = &s->hot[e];
    txb t;
    tx_reset(&t);
    while (hp->n > 0 && t.n_in < 8) {
        utxo u = pool_take(s, hp);
        tx_in(&t, &u);
    }
    uint64_t v = tx_in_value(&t);
    size_t nout = 8 + (size_t)rnd(&s->r, 9);
    uint64_t fee = fee_for(t.n_in, nout);
    if (v < fee + nout * 100000) {
        for (size_t i = 0; i < t.n_in; i++)
            hp->u[hp->n++] = t.in[i];
        return 1;
    }
    uint64_t left = v - fee;
    for (size_t j = 0; j + 1 < nout; j++) {
        uint64_t part = left / (nout - j) * (50 + rnd(&s->r, 100)) / 100;
        tx_out(&t, part, thief_addr(s), &s->thief);
        left -= part;
    }
    tx_out(&t, left, thief_addr(s), &s->thief);
    s->victim_addr = addr_of(K_HOT + e, hot_type[e]);
    if (tx_commit(s, &t, true) != 0)
        return -1;
    memcpy(s->theft_txid, s->txid[s->n_tx - 1], 32);
    s->theft_height = s->height;
    s->heist_done = true;
    return 0;
}

static int act_thief(sim *s)
{
    pool *tp = &s->thief;
    if (tp->n == 0)
        return 1;
    utxo u = pool_take(s, tp);
    txb t;
    tx_reset(&t);
    tx_in(&t, &u);
    uint64_t r = rnd(&s->r, 100);
    if (u.value < 30000) {
        /* too small to launder further: left where it is */
        return 0;
    }
    if (r < 30) { /* peel: a small amount to an exchange deposit, the rest onwards */
        unsigned e = (unsigned)rnd(&s->r, N_EXCH);
        if (deposit_room(s, e) != 0)
            return -1;
        return pay_with_change(s, &t, u.value * (1 + rnd(&s->r, 5)) / 100, deposit_addr(s, e),
                               &s->deposits[e], thief_addr(s), tp);
    }
    if (r < 40) { /* split */
        size_t nout = 2 + (size_t)rnd(&s->r, 3);
        uint64_t fee = fee_for(1, nout), left = u.value - fee;
        for (size_t j = 0; j + 1 < nout; j++) {
            uint64_t part = left * (20 + rnd(&s->r, 40)) / 100;
            tx_out(&t, part, thief_addr(s), tp);
            left -= part;
        }
        tx_out(&t, left, thief_addr(s), tp);
        return tx_commit(s, &t, false);
    }
    if (r < 50) { /* merge with clean coins bought from users */
        size_t k = 1 + (size_t)rnd(&s->r, 2);
        for (size_t i = 0; i < k && s->users.n > 0; i++) {
            utxo c = pool_take(s, &s->users);
            tx_in(&t, &c);
        }
        uint64_t v = tx_in_value(&t), fee = fee_for(t.n_in, 1);
        tx_out(&t, v - fee, thief_addr(s), tp);
        return tx_commit(s, &t, false);
    }
    if (r < 60) /* a CoinJoin round */
        return act_coinjoin(s, &u) < 0 ? -1 : 0;
    if (r < 68) { /* into the mixer */
        if (s->mixer.n + 1 >= s->mixer.cap) {
            tp->u[tp->n++] = u;
            return 1;
        }
        tx_out(&t, u.value - fee_for(1, 1), mixer_addr(s), &s->mixer);
        return tx_commit(s, &t, false);
    }
    if (r < 75) { /* a bridge hop */
        if (s->bridge.n + 1 >= s->bridge.cap) {
            tp->u[tp->n++] = u;
            return 1;
        }
        tx_out(&t, u.value - fee_for(1, 1), addr_of(K_BRIDGE, SIM_P2WSH), &s->bridge);
        return tx_commit(s, &t, false);
    }
    if (r < 85) /* pays someone: taint reaches the background economy */
        return pay_with_change(s, &t, u.value * (10 + rnd(&s->r, 40)) / 100, user_addr(s),
                               &s->users, thief_addr(s), tp);
    if (r < 92) { /* consolidate two or three of its own coins */
        for (size_t i = 0; i < 2 && tp->n > 0; i++) {
            utxo c = pool_take(s, tp);
            tx_in(&t, &c);
        }
        uint64_t v = tx_in_value(&t), fee = fee_for(t.n_in, 1);
        tx_out(&t, v - fee, thief_addr(s), tp);
        return tx_commit(s, &t, false);
    }
    /* dormant: moved to a cold address and never touched again */
    tx_out(&t, u.value - fee_for(1, 1), thief_addr(s), NULL);
    return tx_commit(s, &t, false);
}

/* One background transaction of a randomly chosen kind; 1 when none could be made. */
static int act_background(sim *s)
{
    uint64_t r = rnd(&s->r, 100);
    int rc = 1;
    if (r < 10)
        rc = act_deposit(s);
    else if (r < 18)
        rc = act_withdraw(s);
    else if (r < 20) {
        unsigned e = (unsigned)rnd(&s->r, N_EXCH);
        rc = s->deposits[e].n >= 8 ? exchange_consolidate(s, e) : 1;
    } else if (r < 24)
        rc = act_service_in(s, mixer_addr(s), &s->mixer);
    else if (r < 28)
        rc = act_service_out(s, mixer_addr(s), &s->mixer, 3);
    else if (r < 30)
        rc = act_service_in(s, addr_of(K_BRIDGE, SIM_P2WSH), &s->bridge);
    else if (r < 32)
        rc = act_service_out(s, addr_of(K_BRIDGE, SIM_P2WSH), &s->bridge, 1);
    else if (r < 35)
        rc = act_coinjoin(s, NULL);
    if (rc == 1)
        rc = act_payment(s);
    return rc;
}

static int build_block(sim *s, uint64_t want)
{
    s->txs.len = 0;
    s->n_tx = 1; /* slot 0: the coinbase, written last */
    s->own.block_start = s->own.n_seen;
    s->fees = 0;
    uint64_t base = s->txcount;
    s->txcount++;
    if (grow_txids(s) != 0)
        return -1;
    if (s->height > MATURITY && s->txcount - base < want && act_payout(s) < 0)
        return -1;
    if (!s->heist_done && s->height >= s->heist_height && s->txcount - base + 1 < want &&
        heist(s) < 0)
        return -1;
    unsigned per_block = 1 + s->tpb / 100;
    unsigned fails = 0;
    while (s->txcount - base < want && s->txs.len < BLOCK_MAX && fails < 8) {
        uint64_t before = s->txcount;
        bool thief = s->heist_done && s->thief.n > 0 && rnd(&s->r, s->tpb) < per_block;
        int rc = thief ? act_thief(s) : act_background(s);
        if (rc < 0)
            return -1;
        fails = s->txcount > before ? 0 : fails + 1;
    }
    return finish_block(s);
}

static int mkdir_p(const char *path)
{
    if (mkdir(path, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "chaintrail-sim: cannot create '%s': %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

static int write_labels(sim *s)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/labels.csv", s->dir);
    FILE *f = fopen(path, "wb");
    if (!f) {
        fprintf(stderr, "chaintrail-sim: cannot create '%s': %s\n", path, strerror(errno));
        return -1;
    }
    fprintf(f, "address,label,category,source\n");
    for (uint32_t a = 0; a < K_USER * SIM_NTYPES; a++) {
        const char *lbl;
        int cat = label_of(s, a, &lbl);
        if (cat == SIM_LBL_NONE)
            continue;
        char text[CT_BTC_ADDR_MAX];
        addr_text(s, a, text);
        fprintf(f, "%s,%s,%s," SIM_LABEL_SOURCE "\n", text, lbl,
                cat == SIM_LBL_EXCHANGE ? "exchange"
                : cat == SIM_LBL_MIXER  ? "mixer"
                                        : "bridge");
    }
    if (fclose(f) != 0) {
        fprintf(stderr, "chaintrail-sim: cannot write '%s'\n", path);
        return -1;
    }
    return 0;
}

static FILE *create_file(const sim *s, const char *name, char *path, size_t size)
{
    snprintf(path, size, "%s/%s", s->dir, name);
    FILE *f = fopen(path, "wb");
    if (!f)
        fprintf(stderr, "chaintrail-sim: cannot create '%s': %s\n", path, strerror(errno));
    return f;
}

static int close_file(FILE *f, const char *path, int rc)
{
    if (fclose(f) != 0 || rc != 0) {
        fprintf(stderr, "chaintrail-sim: cannot write '%s'\n", path);
        return -1;
    }
    return 0;
}

/* owners.csv and partition.csv (every address the chain pays, in first-seen order) and
 * ownership.json (the counts). */
static int write_ownership(sim *s)
{
    owners *o = &s->own;
    char path[4096], ent[32];
    /* each address's text, made once (encoding is most of the cost), by first-seen rank */
    char(*text)[CT_BTC_ADDR_MAX] = malloc((size_t)o->n_seen * CT_BTC_ADDR_MAX + 1);
    uint32_t *root_ent = malloc(N_IDS * sizeof(*root_ent));
    uint8_t *multi = calloc(N_IDS, 1), *entity_seen = calloc(OK_N * N_KEYS, 1);
    if (!text || !root_ent || !multi || !entity_seen) {
        free(text), free(root_ent), free(multi), free(entity_seen);
        fprintf(stderr, "chaintrail-sim: out of memory\n");
        return -1;
    }
    FILE *f = create_file(s, "owners.csv", path, sizeof(path));
    int rc = f ? fprintf(f, "address,entity_id,entity_kind\n") < 0 : 1;
    for (uint32_t i = 0; i < o->n_seen && f && !rc; i++) {
        uint32_t id = o->order[i], num;
        owner_text(s, id, text[i]);
        owner_entity_name(id, ent, sizeof(ent));
        rc = fprintf(f, "%s,%s,%s\n", text[i], ent, kind_names[owner_kind(id, &num)]) < 0;
    }
    if (!f || close_file(f, path, rc) != 0) {
        free(text), free(root_ent), free(multi), free(entity_seen);
        return -1;
    }

    /* per root: its first member's entity, and whether another entity joined it */
    uint64_t clusters = 0, multi_owner = 0, entities = 0;
    f = create_file(s, "partition.csv", path, sizeof(path));
    rc = f ? fprintf(f, "address,cluster\n") < 0 : 1;
    for (uint32_t i = 0; i < o->n_seen && f && !rc; i++) {
        uint32_t id = o->order[i], r = uf_find(o, id), e = owner_entity(id);
        if (!entity_seen[e]) {
            entity_seen[e] = 1;
            entities++;
        }
        if (r == id) {
            clusters++;
            root_ent[r] = e;
        } else if (root_ent[r] != e && !multi[r]) {
            multi[r] = 1;
            multi_owner++;
        }
        rc = fprintf(f, "%s,%s\n", text[i], text[o->seen[r] - 1]) < 0;
    }
    free(text), free(root_ent), free(multi), free(entity_seen);
    if (!f || close_file(f, path, rc) != 0)
        return -1;

    f = create_file(s, "ownership.json", path, sizeof(path));
    if (!f)
        return -1;
    rc = fprintf(f,
                 "{\"addresses\": %" PRIu32 ", \"entities\": %" PRIu64 ", \"clusters\": %" PRIu64
                 ", \"multi_owner_clusters\": %" PRIu64 ", \"coinjoins\": %" PRIu64
                 ", \"cospends\": %" PRIu64 ", \"cross_owner_cospends\": %" PRIu64
                 ", \"cross_owner_by_kinds\": {",
                 o->n_seen, entities, clusters, multi_owner, o->coinjoins, o->cospends,
                 o->cross_owner) < 0;
    const char *sep = "";
    for (unsigned m = 1; m < (1u << OK_N) && !rc; m++) {
        if (!o->cross_by_kinds[m])
            continue;
        rc |= fprintf(f, "%s\"", sep) < 0;
        const char *plus = "";
        for (unsigned k = 0; k < OK_N; k++)
            if (m & (1u << k)) {
                rc |= fprintf(f, "%s%s", plus, kind_names[k]) < 0;
                plus = "+";
            }
        rc |= fprintf(f, "\": %" PRIu64, o->cross_by_kinds[m]) < 0;
        sep = ", ";
    }
    rc |= fprintf(f, "}, \"hot_wallet_sweeps\": {\"exchanges\": [") < 0;
    sep = "";
    for (unsigned e = 0; e < N_EXCH; e++)
        if (sweep_with_hot[e]) {
            rc |= fprintf(f, "%s\"exchange-%c\"", sep, 'A' + (char)e) < 0;
            sep = ", ";
        }
    rc |= fprintf(f, "], \"transactions\": %" PRIu64 "}}\n", o->hot_sweeps) < 0;
    return close_file(f, path, rc);
}

/* ---- cluster-level stops (truth_clusters.json) ---- */
/* Per cluster of the final partition: its first-seen labelled member. */
static int cluster_labels_init(sim *s)
{
    owners *o = &s->own;
    s->label_member = malloc(N_IDS * sizeof(*s->label_member));
    if (!s->label_member)
        return -1;
    for (uint32_t i = 0; i < N_IDS; i++)
        s->label_member[i] = UINT32_MAX;
    for (uint32_t i = 0; i < o->n_seen; i++) {
        uint32_t id = o->order[i], r = uf_find(o, id);
        const char *lbl;
        if (id < N_SIM_ADDR && s->label_member[r] == UINT32_MAX &&
            label_of(s, id, &lbl) != SIM_LBL_NONE)
            s->label_member[r] = id;
    }
    return 0;
}

/* The member whose label an unlabelled address takes from its cluster, or UINT32_MAX. */
static uint32_t cluster_member(sim *s, uint32_t addr)
{
    const char *lbl;
    if (label_of(s, addr, &lbl) != SIM_LBL_NONE)
        return UINT32_MAX;
    return s->label_member[uf_find(&s->own, owner_id(addr))];
}

static int cb_cluster_label(void *ctx, uint32_t addr, const char **label)
{
    uint32_t m = cluster_member(ctx, addr);
    return label_of(ctx, m == UINT32_MAX ? addr : m, label);
}

static int cb_cluster_member(void *ctx, uint32_t addr, char *out)
{
    uint32_t m = cluster_member(ctx, addr);
    if (m == UINT32_MAX)
        return 0;
    addr_text(ctx, m, out);
    return 1;
}

/* Runs the reference over the recorded subgraph into DIR/name. */
static int write_truth(sim *s, const char *name, const sim_world_info *w)
{
    char path[4096];
    FILE *f = create_file(s, name, path, sizeof(path));
    if (!f)
        return -1;
    rewind(s->rec);
    return close_file(f, path, sim_reference_run(s->rec, f, w));
}

static int parse_u64(const char *s, uint64_t *out)
{
    if (!s || !*s)
        return -1;
    uint64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9' || v > (UINT64_MAX - 9) / 10)
            return -1;
        v = v * 10 + (uint64_t)(*p - '0');
    }
    *out = v;
    return 0;
}

static void usage(void)
{
    fprintf(stderr, "usage: chaintrail-sim --seed S --txs N --out DIR [--hops H] [--dust SAT] "
                    "[--deposit-labels N] [--quiet]\n");
}

static void help(void)
{
    fputs("usage: chaintrail-sim --seed S --txs N --out DIR [--hops H] [--dust SAT] [--quiet]\n"
          "\n"
          "Writes a regtest chain with a laundered theft among background activity\n"
          "(DIR/blocks/blk*.dat), the labels of its services (DIR/labels.csv) and the answer\n"
          "of every taint model (DIR/truth.json). Prints a summary line on stdout and, on\n"
          "stderr, the theft transaction and the victim: what to trace.\n"
          "\n"
          "  --seed S    any 64-bit number; the same arguments give the same files\n"
          "  --txs N     transactions to write, 1000 to 1000000000\n"
          "  --out DIR   created if missing\n"
          "  --hops H    hop limit of the ground truth (default 10, at most 250)\n"
          "  --dust SAT  dust threshold of the ground truth (default 0)\n"
          "  --quiet     print nothing\n"
          "\n"
          "Exit status: 0 done; 2 usage; 1 anything else. See docs/simulator.md.\n",
          stdout);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    static sim s; /* large; zeroed */
    uint64_t hops = 10, deposit_labels = N_DEPOSIT;
    bool have_seed = false;
    s.target_txs = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        int bad = 0;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            help();
            return 0;
        } else if (strcmp(a, "--quiet") == 0) {
            s.quiet = true;
            continue;
        } else if (strcmp(a, "--seed") == 0) {
            bad = parse_u64(v, &s.seed);
            have_seed = true;
        } else if (strcmp(a, "--txs") == 0) {
            bad = parse_u64(v, &s.target_txs);
        } else if (strcmp(a, "--out") == 0) {
            bad = v == NULL || *v == 0;
            s.dir = v;
        } else if (strcmp(a, "--hops") == 0) {
            bad = parse_u64(v, &hops) || hops > 250;
        } else if (strcmp(a, "--dust") == 0) {
            bad = parse_u64(v, &s.dust);
        } else if (strcmp(a, "--deposit-labels") == 0) {
            bad = parse_u64(v, &deposit_labels) || deposit_labels > N_DEPOSIT;
        } else {
            fprintf(stderr, "chaintrail-sim: unknown option '%s'\n", a);
            usage();
            return 2;
        }
        if (bad) {
            fprintf(stderr, "chaintrail-sim: bad value for %s: '%s'\n", a, v ? v : "");
            usage();
            return 2;
        }
        i++;
    }
    if (!have_seed || !s.dir || s.target_txs == 0) {
        usage();
        return 2;
    }
    if (s.target_txs < 1000 || s.target_txs > 1000000000ULL) {
        fprintf(stderr, "chaintrail-sim: --txs must be between 1000 and 1000000000\n");
        return 2;
    }
    s.hops = (unsigned)hops;
    s.deposit_labels = (unsigned)deposit_labels;
    double t0 = now_s();
    s.r.s = s.seed ^ 0x5349d1a7c0ffee11ULL;
    s.net = ct_btc_params_get("regtest");
    s.next_ref = 1;
    uint64_t rest = s.target_txs - (MATURITY + 1);
    uint64_t tpb = rest / 300;
    s.tpb = (uint32_t)(tpb < 10 ? 10 : tpb > 2500 ? 2500 : tpb);
    uint64_t est_blocks = MATURITY + 1 + (rest + s.tpb - 1) / s.tpb;
    s.heist_height = (uint32_t)(MATURITY + 1 + (est_blocks - MATURITY - 1) / 4);
    size_t ucap = s.target_txs >= 1000000 ? 65536 : s.target_txs >= 100000 ? 16384 : 2048;
    char path[4096];
    snprintf(path, sizeof(path), "%s/blocks", s.dir);
    int rc = 1;
    ct_buf_init(&s.txs, 4u << 20);
    if (mkdir_p(s.dir) != 0 || mkdir_p(path) != 0)
        goto out;
    if (pool_init(&s.users, ucap) || pool_init(&s.thief, 1024) || pool_init(&s.mixer, 256) ||
        pool_init(&s.bridge, 256) || put_keys(&s) != 0)
        goto oom;
    for (unsigned e = 0; e < N_EXCH; e++)
        if (pool_init(&s.deposits[e], 256) || pool_init(&s.hot[e], 96))
            goto oom;
    if (owners_init(&s.own) != 0)
        goto oom;
    s.own.cj = create_file(&s, "coinjoins.txt", path, sizeof(path));
    if (!s.own.cj)
        goto out;
    s.rec = tmpfile();
    if (!s.rec) {
        fprintf(stderr, "chaintrail-sim: cannot create a temporary file: %s\n", strerror(errno));
        goto out;
    }
    if (open_blk(&s) != 0 || write_genesis(&s) != 0)
        goto out;
    for (s.height = 1; s.txcount < s.target_txs; s.height++) {
        uint64_t want = s.height <= MATURITY ? 1 : s.target_txs - s.txcount;
        if (want > s.tpb)
            want = s.tpb;
        if (build_block(&s, want) != 0)
            goto out;
    }
    if (fclose(s.blk) != 0) {
        s.blk = NULL;
        fprintf(stderr, "chaintrail-sim: cannot write the last blk file: %s\n", strerror(errno));
        goto out;
    }
    s.blk = NULL;
    if (!s.heist_done) {
        fprintf(stderr, "chaintrail-sim: the heist did not happen (chain too short)\n");
        goto out;
    }
    if (write_labels(&s) != 0)
        goto out;
    FILE *cj = s.own.cj;
    s.own.cj = NULL;
    snprintf(path, sizeof(path), "%s/coinjoins.txt", s.dir);
    if (close_file(cj, path, 0) != 0 || write_ownership(&s) != 0)
        goto out;
    sim_world_info w = {.seed = s.seed,
                        .txs = s.txcount,
                        .blocks = s.blocks,
                        .hops = s.hops,
                        .dust = s.dust,
                        .theft_height = s.theft_height,
                        .victim_addr = s.victim_addr,
                        .addr_text = cb_addr_text,
                        .addr_label = cb_addr_label,
                        .ctx = &s};
    memcpy(w.theft_txid, s.theft_txid, 32);
    if (write_truth(&s, "truth.json", &w) != 0)
        goto out;
    if (cluster_labels_init(&s) != 0)
        goto oom;
    w.addr_label = cb_cluster_label;
    w.label_member = cb_cluster_member;
    if (write_truth(&s, "truth_clusters.json", &w) != 0)
        goto out;
    double secs = now_s() - t0;
    if (!s.quiet) {
        /* what a user traces: the theft transaction (display order) and the victim */
        char hex[65], victim[CT_BTC_ADDR_MAX];
        for (int i = 0; i < 32; i++)
            snprintf(hex + 2 * i, 3, "%02x", s.theft_txid[31 - i]);
        addr_text(&s, s.victim_addr, victim);
        fprintf(stderr,
                "chaintrail-sim: theft %s at height %u, victim %s (trace it: chaintrail trace "
                "--from %s)\n",
                hex, s.theft_height, victim[0] ? victim : "-", hex);
    }
    if (!s.quiet)
        printf("blocks=%" PRIu64 " txs=%" PRIu64 " bytes=%" PRIu64 " seconds=%.3f tx/s=%.0f "
               "MB/s=%.1f subgraph_txs=%" PRIu64 "\n",
               s.blocks, s.txcount, s.total_bytes, secs, (double)s.txcount / secs,
               (double)s.total_bytes / 1e6 / secs, s.rec_txs);
    rc = 0;
    goto out;
oom:
    fprintf(stderr, "chaintrail-sim: out of memory\n");
out:
    if (s.blk)
        fclose(s.blk);
    if (s.rec)
        fclose(s.rec);
    ct_buf_release(&s.txs);
    free(s.keys);
    free(s.txid);
    free(s.wtxid);
    free(s.users.u), free(s.thief.u), free(s.mixer.u), free(s.bridge.u);
    for (unsigned e = 0; e < N_EXCH; e++)
        free(s.deposits[e].u), free(s.hot[e].u);
    owners_release(&s.own);
    free(s.label_member);
    return rc;
}
