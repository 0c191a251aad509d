/* Builds the seed corpora of the fuzz harnesses from the real blocks in fixtures/.
 *
 *   fuzz_seeds FIXTURES_DIR BLOCK_OUT_DIR TX_OUT_DIR
 *
 * Block seeds are the raw block bytes (blk-file framing stripped) behind the one mode byte
 * fuzz_block.c reads; the modes rotate so that every one has real blocks. Transaction seeds
 * are a few hundred single transactions cut out of those blocks (evenly spaced, so every
 * block contributes its kinds) plus the 1 MB megatx. Each file is named by its SHA-256, so
 * re-running into the same directory adds nothing twice. Exits non-zero if a real block does
 * not decode: the seeds would then be worth little and the decoder is wrong.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chaintrail/bitcoin.h"
#include "base/hash.h"
#include "base/util.h"

#define TX_PER_BLOCK 20u /* transactions taken from each large block */
#define EARLY_TX_MAX 40u /* transactions taken from the early-blocks file */

typedef struct seeds {
    const char *block_dir;
    const char *tx_dir;
    ct_btc_block blk;
    size_t n_block;
    size_t n_tx;
    size_t early_tx;
    unsigned mode; /* rotating mode byte for block seeds */
} seeds;

static int write_named(const char *dir, const char *prefix, const uint8_t *head, size_t head_len,
                       const uint8_t *p, size_t len)
{
    ct_sha256_ctx c;
    uint8_t h[32];
    char hex[65], path[4096];
    ct_sha256_init(&c);
    if (head_len)
        ct_sha256_update(&c, head, head_len);
    ct_sha256_update(&c, p, len);
    ct_sha256_final(&c, h);
    ct_hex_encode(hex, h, 16);
    int n = snprintf(path, sizeof(path), "%s/%s-%s", dir, prefix, hex);
    FILE *f = n > 0 && (size_t)n < sizeof(path) ? fopen(path, "wb") : NULL;
    if (!f || (head_len && fwrite(head, 1, head_len, f) != head_len) ||
        fwrite(p, 1, len, f) != len) {
        fprintf(stderr, "fuzz_seeds: cannot write '%s'\n", path);
        if (f)
            fclose(f);
        return -1;
    }
    return fclose(f) == 0 ? 0 : -1;
}

/* out = a "/" b; false (with a message) when it does not fit. */
static bool join_path(char *out, size_t size, const char *a, const char *b)
{
    int n = snprintf(out, size, "%s/%s", a, b);
    if (n < 0 || (size_t)n >= size) {
        fprintf(stderr, "fuzz_seeds: path too long: '%s/%s'\n", a, b);
        return false;
    }
    return true;
}

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 20, n = 0;
    uint8_t *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap)
            break;
        uint8_t *nb = realloc(buf, cap * 2);
        if (!nb) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    if (ferror(f)) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = n;
    return buf;
}

/* One real block: a block seed, and some of its transactions as tx seeds. */
static int add_block(seeds *s, const uint8_t *p, size_t len, const char *where, bool early)
{
    ct_error err;
    ct_error_clear(&err);
    if (ct_btc_block_decode(&s->blk, p, len, ct_btc_params_get("mainnet"), 0, &err) != CT_OK) {
        char line[1024];
        ct_error_format(&err, line, sizeof(line));
        fprintf(stderr, "fuzz_seeds: %s does not decode: %s\n", where, line);
        return -1;
    }
    uint8_t mode = (uint8_t)(s->mode++ & 7);
    if (write_named(s->block_dir, "block", &mode, 1, p, len) != 0)
        return -1;
    s->n_block++;

    uint32_t n = s->blk.n_tx, step = n > TX_PER_BLOCK ? n / TX_PER_BLOCK : 1;
    for (uint32_t i = early ? 1 : 0; i < n; i += early ? 1 : step) {
        if (early && s->early_tx >= EARLY_TX_MAX)
            break;
        const ct_btc_tx *tx = &s->blk.tx[i];
        if (write_named(s->tx_dir, "tx", NULL, 0, tx->raw, tx->size) != 0)
            return -1;
        s->n_tx++;
        s->early_tx += early;
    }
    return 0;
}

static const uint8_t blk_magic[4] = {0xf9, 0xbe, 0xb4, 0xd9};

/* Whether a file holds blk records rather than one raw block. The extension does not say:
 * btcd's block540107-....blk is a raw block. A raw block starts with its version, which is
 * never the magic in a real block. */
static bool is_blk(const uint8_t *p, size_t len)
{
    return len >= 8 && memcmp(p, blk_magic, 4) == 0;
}

/* Walks blk records (magic f9beb4d9, LE32 size, block) and adds each block. A bad magic or
 * a record cut short ends the walk, as at the end of a blk file. */
static int add_blk_records(seeds *s, const uint8_t *p, size_t len, const char *path, bool early)
{
    size_t pos = 0;
    while (len - pos >= 8 && memcmp(p + pos, blk_magic, 4) == 0) {
        uint32_t size = ct_le32(p + pos + 4);
        if (size > len - pos - 8)
            break;
        if (add_block(s, p + pos + 8, size, path, early) != 0)
            return -1;
        pos += 8 + (size_t)size;
    }
    return 0;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every block file of one fixture folder, in name order. */
static int add_dir(seeds *s, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "fuzz_seeds: cannot open '%s'\n", dir);
        return -1;
    }
    char *names[256];
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 256) {
        const char *nm = e->d_name;
        bool block = ends_with(nm, ".blk") ||
                     ((ends_with(nm, ".dat") || ends_with(nm, ".raw")) && !strstr(nm, "-undo"));
        if (block && (names[n] = strdup(nm)) != NULL)
            n++;
    }
    closedir(d);
    qsort(names, n, sizeof(names[0]), cmp_names);
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        char path[4096];
        size_t len;
        uint8_t *p = NULL;
        if (rc == 0 && !join_path(path, sizeof(path), dir, names[i]))
            rc = -1;
        if (rc == 0 && !(p = read_file(path, &len))) {
            fprintf(stderr, "fuzz_seeds: cannot read '%s'\n", path);
            rc = -1;
        }
        if (rc == 0)
            rc = is_blk(p, len) ? add_blk_records(s, p, len, path, false)
                                : add_block(s, p, len, path, false);
        free(p);
        free(names[i]);
    }
    return rc;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: fuzz_seeds FIXTURES_DIR BLOCK_OUT_DIR TX_OUT_DIR\n");
        return 2;
    }
    static const char *const dirs[] = {"btc/raw_blocks/bitcoinj", "btc/raw_blocks/bcoin",
                                       "btc/raw_blocks/btcd", "btc/raw_blocks/hadoopcryptoledger"};
    seeds s = {.block_dir = argv[2], .tx_dir = argv[3]};
    char path[4096];
    int rc = 0;
    ct_btc_block_init(&s.blk);
    for (size_t i = 0; rc == 0 && i < sizeof(dirs) / sizeof(dirs[0]); i++)
        rc = join_path(path, sizeof(path), argv[1], dirs[i]) ? add_dir(&s, path) : -1;

    /* The early blocks: small, so per-block paths get mutated fast. */
    size_t len;
    uint8_t *p = NULL;
    if (rc == 0)
        rc = join_path(path, sizeof(path), argv[1],
                       "btc/blk_consecutive/jeffchan/blk00000_first1MB.dat")
                 ? 0
                 : -1;
    if (rc == 0) {
        p = read_file(path, &len);
        rc = p ? add_blk_records(&s, p, len, path, true) : -1;
        free(p);
    }
    /* The megatx: one transaction of 1 MB. */
    if (rc == 0)
        rc =
            join_path(path, sizeof(path), argv[1],
                      "btc/raw_tx/btcd/"
                      "megatx-bb41a757f405890fb0f5856228e23b715702d714d59bf2b1feb70d8b2b4e3e08.bin")
                ? 0
                : -1;
    if (rc == 0) {
        p = read_file(path, &len);
        rc = p ? write_named(s.tx_dir, "tx", NULL, 0, p, len) : -1;
        s.n_tx += rc == 0;
        free(p);
    }
    ct_btc_block_release(&s.blk);
    if (rc != 0) {
        fprintf(stderr, "fuzz_seeds: failed\n");
        return 1;
    }
    printf("fuzz_seeds: %zu block seeds, %zu transaction seeds\n", s.n_block, s.n_tx);
    return 0;
}
