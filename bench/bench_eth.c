/* Ethereum primitives benchmark.
 *
 *   bench_eth FIXTURES_DIR [--seconds S]
 *
 * Prints one line per mode, each run for about S seconds (default 2) on one thread:
 *
 *   keccak 1MiB        ct_keccak256 over a 1 MiB buffer: MB/s of hashed bytes
 *   keccak 64B         ct_keccak256 of 64-byte messages (a public key, two hashes): hashes/s
 *   block decode       ct_eth_block_decode over the 29 mainnet RLP blocks of
 *                      fixtures/eth/rlp_blocks (534 legacy transactions, hashed): MB/s,
 *                      blocks/s, tx/s
 *   decode+recover     the same plus ct_eth_block_recover (one libsecp256k1 public-key
 *                      recovery and two Keccak-256 per transaction): tx/s
 *
 * cpu% is the thread's CPU time over the wall time: below ~99 the core was shared and the
 * figures are low. Figures are printed, never asserted (docs/performance.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "benchutil.h"
#include "chaintrail/ethereum.h"

static volatile uint64_t sink;

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 20, n = 0;
    uint8_t *p = malloc(cap);
    size_t got;
    while (p && (got = fread(p + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            uint8_t *q = realloc(p, cap * 2);
            if (!q) {
                free(p);
                p = NULL;
                break;
            }
            p = q;
            cap *= 2;
        }
    }
    fclose(f);
    *len = n;
    return p;
}

typedef struct timer {
    double wall0, cpu0;
} timer;

static void timer_start(timer *t)
{
    t->wall0 = bench_clock_s(CLOCK_MONOTONIC);
    t->cpu0 = bench_clock_s(CLOCK_THREAD_CPUTIME_ID);
}

static double timer_wall(const timer *t)
{
    return bench_clock_s(CLOCK_MONOTONIC) - t->wall0;
}

static double timer_cpu_pct(const timer *t, double wall)
{
    return 100.0 * (bench_clock_s(CLOCK_THREAD_CPUTIME_ID) - t->cpu0) / wall;
}

static const char *const files[] = {
    "ethgenesis.bin",          "eth0to10.bin",   "eth1346406.bin", "eth3346406.bin",
    "eth3510000to3510010.bin", "eth4800251.bin", "eth4910000.bin", "eth403419.bin",
    "eth447533.bin",
};

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_eth FIXTURES_DIR [--seconds S]\n");
        return 2;
    }
    double seconds = 2;
    if (argc == 4 && strcmp(argv[2], "--seconds") == 0)
        seconds = strtod(argv[3], NULL);

    /* keccak over 1 MiB */
    size_t big = 1 << 20;
    uint8_t *buf = malloc(big), h[32];
    if (!buf)
        return 1;
    for (size_t i = 0; i < big; i++)
        buf[i] = (uint8_t)(i * 131);
    timer t;
    uint64_t n = 0;
    double wall;
    timer_start(&t);
    do {
        ct_keccak256(h, buf, big);
        sink += h[0];
        n++;
    } while ((wall = timer_wall(&t)) < seconds);
    printf("%-16s %8.1f MB/s  cpu %5.1f%%\n", "keccak 1MiB", (double)n * (double)big / 1e6 / wall,
           timer_cpu_pct(&t, wall));
    n = 0;
    timer_start(&t);
    do {
        for (int k = 0; k < 1000; k++) {
            ct_keccak256(h, buf + (n & 1023), 64);
            sink += h[0];
            n++;
        }
    } while ((wall = timer_wall(&t)) < seconds);
    printf("%-16s %8.0f hashes/s  cpu %5.1f%%\n", "keccak 64B", (double)n / wall,
           timer_cpu_pct(&t, wall));
    free(buf);

    /* the RLP block fixtures, loaded once */
    uint8_t *data[9];
    size_t len[9], total = 0;
    for (size_t i = 0; i < 9; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/eth/rlp_blocks/%s", argv[1], files[i]);
        data[i] = read_file(path, &len[i]);
        if (!data[i]) {
            fprintf(stderr, "bench_eth: cannot read '%s'\n", path);
            return 1;
        }
        total += len[i];
    }
    ct_eth_block blk;
    ct_eth_block_init(&blk);
    for (int recover = 0; recover <= 1; recover++) {
        uint64_t blocks = 0, txs = 0, rounds = 0;
        timer_start(&t);
        do {
            for (size_t i = 0; i < 9; i++) {
                size_t off = 0, used;
                while (off < len[i]) {
                    ct_error err;
                    if (ct_eth_block_decode(&blk, data[i] + off, len[i] - off, &used, &err) !=
                            CT_OK ||
                        (recover && ct_eth_block_recover(&blk, 1, &err) != CT_OK)) {
                        fprintf(stderr, "bench_eth: %s: %s\n", files[i], err.reason);
                        return 1;
                    }
                    blocks++;
                    txs += blk.n_tx;
                    off += used;
                }
            }
            rounds++;
        } while ((wall = timer_wall(&t)) < seconds);
        printf("%-16s %8.1f MB/s  %9.0f blocks/s  %9.0f tx/s  cpu %5.1f%%\n",
               recover ? "decode+recover" : "block decode",
               (double)rounds * (double)total / 1e6 / wall, (double)blocks / wall,
               (double)txs / wall, timer_cpu_pct(&t, wall));
    }
    ct_eth_block_release(&blk);
    for (size_t i = 0; i < 9; i++)
        free(data[i]);
    return 0;
}
