/* Chain generator for the ingest and trace benchmarks: writes a regtest chain of N
 * transactions as blk files, shaped like a busy chain (each block a coinbase and spends of
 * mostly recent outputs, 1-2 inputs and 2 outputs each, 70% of outputs to new addresses).
 * It stands in for build/chaintrail-sim (branch wip-sim) until that is merged: bench/run
 * uses the simulator when it is built and this otherwise.
 *
 * Usage: bench_genchain --txs N --out DIR [--seed S] [--per-block B]
 * Writes DIR/blocks/blk00000.dat... (128 MiB each) and DIR/heist.txt: the txid of the
 * transaction at 1% of the chain, the source of the benchmark's traces. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/hash.h"

typedef struct buf {
    uint8_t *p;
    size_t len, cap;
} buf;

static void put(buf *b, const void *d, size_t n)
{
    if (b->len + n > b->cap) {
        size_t nc = b->cap ? b->cap * 2 : 1u << 16;
        while (nc < b->len + n)
            nc *= 2;
        b->p = realloc(b->p, nc);
        if (!b->p) {
            perror("realloc");
            exit(1);
        }
        b->cap = nc;
    }
    memcpy(b->p + b->len, d, n);
    b->len += n;
}

static void le32(buf *b, uint32_t v)
{
    uint8_t x[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    put(b, x, 4);
}

static void le64(buf *b, uint64_t v)
{
    le32(b, (uint32_t)v);
    le32(b, (uint32_t)(v >> 32));
}

static void varint(buf *b, uint64_t v)
{
    uint8_t x = (uint8_t)v;
    if (v < 0xfd) {
        put(b, &x, 1);
    } else {
        x = 0xfd;
        put(b, &x, 1);
        uint8_t y[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
        put(b, y, 2);
    }
}

static uint64_t rng_state;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

typedef struct utxo {
    uint8_t txid[32];
    uint32_t vout;
    uint64_t value;
} utxo;

static utxo *pool;
static size_t n_pool, cap_pool;
static uint64_t next_addr = 1;

static void pool_add(const uint8_t txid[32], uint32_t vout, uint64_t value)
{
    if (n_pool == cap_pool) {
        cap_pool = cap_pool ? cap_pool * 2 : 1u << 16;
        pool = realloc(pool, cap_pool * sizeof(*pool));
        if (!pool) {
            perror("realloc");
            exit(1);
        }
    }
    memcpy(pool[n_pool].txid, txid, 32);
    pool[n_pool].vout = vout;
    pool[n_pool].value = value;
    n_pool++;
}

/* Takes an output: 90% among the newest 4,096, else any. */
static utxo pool_take(void)
{
    size_t i;
    if (n_pool > 4096 && rnd() % 10 != 0)
        i = n_pool - 1 - (size_t)(rnd() % 4096);
    else
        i = (size_t)(rnd() % n_pool);
    utxo u = pool[i];
    pool[i] = pool[--n_pool];
    return u;
}

static void p2pkh(buf *b)
{
    uint64_t a = next_addr;
    if (next_addr > 1000 && rnd() % 10 < 3)
        a = 1 + rnd() % (next_addr - 1); /* address reuse */
    else
        next_addr++;
    uint8_t s[25] = {0x76, 0xa9, 0x14};
    for (int k = 0; k < 8; k++)
        s[3 + k] = (uint8_t)(a >> (8 * k));
    s[23] = 0x88;
    s[24] = 0xac;
    varint(b, 25);
    put(b, s, 25);
}

static void txid_of(const uint8_t *p, size_t n, uint8_t out[32])
{
    ct_sha256d(out, p, n);
}

int main(int argc, char **argv)
{
    uint64_t txs = 0, seed = 1, per_block = 1000;
    const char *out = NULL;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--txs") == 0)
            txs = strtoull(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--seed") == 0)
            seed = strtoull(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--per-block") == 0)
            per_block = strtoull(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--out") == 0)
            out = argv[i + 1];
    }
    if (!out || txs == 0 || per_block < 2 || per_block > 60000) {
        fprintf(stderr, "usage: bench_genchain --txs N --out DIR [--seed S] [--per-block B]\n");
        return 2;
    }
    rng_state = seed * 0x9E3779B97F4A7C15ull + 1;
    char path[4096];
    snprintf(path, sizeof(path), "%s/blocks", out);
    if ((mkdir(out, 0755) && errno != EEXIST) || (mkdir(path, 0755) && errno != EEXIST)) {
        perror(path);
        return 1;
    }

    /* The regtest genesis block (the coinbase every network shares, nonce 2). */
    static const char genesis_hex[] =
        "0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b2"
        "7ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4adae5494dffff7f2002000000010100000001000000"
        "0000000000000000000000000000000000000000000000000000000000ffffffff4d04ffff001d0104455468"
        "652054696d65732030332f4a616e2f32303039204368616e63656c6c6f72206f6e206272696e6b206f6620"
        "7365636f6e64206261696c6f757420666f722062616e6b73ffffffff0100f2052a0100000043410467"
        "8afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4f35504e5"
        "1ec112de5c384df7ba0b8d578a4c702b6bf11d5fac00000000";
    buf file = {0}, blk = {0}, txb = {0}, ids = {0};
    static const uint8_t magic[4] = {0xfa, 0xbf, 0xb5, 0xda};
    uint8_t prev[32];
    {
        size_t n = strlen(genesis_hex) / 2;
        uint8_t *g = malloc(n);
        for (size_t i = 0; i < n; i++)
            sscanf(genesis_hex + 2 * i, "%2hhx", &g[i]);
        put(&file, magic, 4);
        le32(&file, (uint32_t)n);
        put(&file, g, n);
        ct_sha256d(prev, g, 80);
        free(g);
    }
    int fileno_ = 0;
    uint64_t made = 0, heist_at = txs / 100, height = 0;
    uint8_t heist[32] = {0};
    while (made < txs) {
        height++;
        blk.len = ids.len = 0;
        uint64_t n_tx = txs - made < per_block ? txs - made : per_block;
        if (n_tx < 1)
            n_tx = 1;
        for (uint64_t t = 0; t < n_tx; t++) {
            if (t > 0 && n_pool < 2) { /* the first blocks: only their coinbases to spend */
                n_tx = t;
                break;
            }
            txb.len = 0;
            le32(&txb, 1);
            uint8_t id[32];
            if (t == 0) {
                /* coinbase: the height in its script keeps the txid unique (no BIP30) */
                varint(&txb, 1);
                uint8_t z[32] = {0};
                put(&txb, z, 32);
                le32(&txb, 0xffffffffu);
                varint(&txb, 9);
                uint8_t sig[9] = {8};
                for (int k = 0; k < 8; k++)
                    sig[1 + k] = (uint8_t)((height * 1000003u + t) >> (8 * k));
                put(&txb, sig, 9);
                le32(&txb, 0xffffffffu);
                varint(&txb, 1);
                le64(&txb, 5000000000ull);
                p2pkh(&txb);
                le32(&txb, 0);
                txid_of(txb.p, txb.len, id);
                pool_add(id, 0, 5000000000ull);
            } else {
                int nin = (rnd() % 3 == 0 && n_pool > 2) ? 2 : 1;
                utxo in[2];
                uint64_t total = 0;
                for (int k = 0; k < nin; k++) {
                    in[k] = pool_take();
                    total += in[k].value;
                }
                varint(&txb, (uint64_t)nin);
                for (int k = 0; k < nin; k++) {
                    put(&txb, in[k].txid, 32);
                    le32(&txb, in[k].vout);
                    uint8_t ss[2] = {1, 0x51};
                    put(&txb, ss, 2);
                    le32(&txb, 0xffffffffu);
                }
                uint64_t fee = total > 2000 ? 1000 : 0;
                uint64_t rest = total - fee;
                uint64_t a = rest > 1 ? 1 + rnd() % (rest - 1) : rest;
                varint(&txb, 2);
                le64(&txb, a);
                p2pkh(&txb);
                le64(&txb, rest - a);
                p2pkh(&txb);
                le32(&txb, 0);
                txid_of(txb.p, txb.len, id);
                pool_add(id, 0, a);
                pool_add(id, 1, rest - a);
            }
            if (made + t == heist_at)
                memcpy(heist, id, 32);
            put(&blk, txb.p, txb.len);
            put(&ids, id, 32);
        }
        made += n_tx;
        /* merkle root */
        size_t n = (size_t)n_tx;
        uint8_t(*lv)[32] = (uint8_t(*)[32])ids.p;
        while (n > 1) {
            size_t m = 0;
            for (size_t i = 0; i < n; i += 2)
                ct_sha256d_pair(lv[m++], lv[i], lv[i + 1 < n ? i + 1 : i]);
            n = m;
        }
        uint8_t hdr[80];
        buf h = {hdr, 0, 80};
        le32(&h, 1);
        put(&h, prev, 32);
        put(&h, lv[0], 32);
        le32(&h, 1296688602u + (uint32_t)height * 600u);
        le32(&h, 0x207fffffu);
        le32(&h, 0);
        for (uint32_t nonce = 0;; nonce++) {
            hdr[76] = (uint8_t)nonce;
            hdr[77] = (uint8_t)(nonce >> 8);
            hdr[78] = (uint8_t)(nonce >> 16);
            hdr[79] = (uint8_t)(nonce >> 24);
            ct_sha256d(prev, hdr, 80);
            if (prev[31] < 0x7f)
                break;
        }
        buf cnt = {0};
        varint(&cnt, n_tx);
        if (file.len > (128u << 20)) {
            snprintf(path, sizeof(path), "%s/blocks/blk%05d.dat", out, fileno_++);
            FILE *f = fopen(path, "wb");
            if (!f || fwrite(file.p, 1, file.len, f) != file.len || fclose(f)) {
                perror(path);
                return 1;
            }
            file.len = 0;
        }
        put(&file, magic, 4);
        le32(&file, (uint32_t)(80 + cnt.len + blk.len));
        put(&file, hdr, 80);
        put(&file, cnt.p, cnt.len);
        put(&file, blk.p, blk.len);
        free(cnt.p);
    }
    snprintf(path, sizeof(path), "%s/blocks/blk%05d.dat", out, fileno_++);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(file.p, 1, file.len, f) != file.len || fclose(f)) {
        perror(path);
        return 1;
    }
    snprintf(path, sizeof(path), "%s/heist.txt", out);
    f = fopen(path, "w");
    if (!f)
        return 1;
    for (int i = 31; i >= 0; i--)
        fprintf(f, "%02x", heist[i]);
    fprintf(f, "\n");
    fclose(f);
    printf("%llu transactions in %llu blocks (+ genesis), %d files\n", (unsigned long long)txs,
           (unsigned long long)height, fileno_);
    free(file.p);
    free(blk.p);
    free(txb.p);
    free(ids.p);
    free(pool);
    return 0;
}
