/* Decoder throughput benchmark.
 *
 *   bench_decode FIXTURES_DIR [--seconds S] [--mode NAME] [--json PATH] [--label TEXT]
 *
 * Loads every real block of fixtures/btc/raw_blocks into memory once (blk-file framing
 * stripped), checks that each one decodes, then decodes them over and over on one thread for
 * about S seconds (default 3) per mode and prints one line per mode: MB/s of block bytes,
 * blocks/s, transactions/s (all per wall-clock second), the process's peak RSS so far, and
 * cpu% = the thread's CPU time over the wall time (below ~99 the core was shared with other
 * work and the figures are low). Modes:
 *
 *   decode+txid        ct_btc_block_decode, flags 0 (what an ingest does)
 *   decode+txid+wtxid  the same with CT_BTC_WTXID
 *   sha256d only       SHA-256d over each block's bytes: a ceiling for anything that hashes
 *                      every byte once
 *   early blocks       decode+txid over the 4,313 small blocks at the start of
 *                      blk_consecutive/jeffchan/blk00000_first1MB.dat (per-block overhead)
 *
 * --mode runs one mode only; --json appends the results as one JSON line to PATH.
 * The machine (CPU, cores, memory, load average before and after) is printed first, since
 * the figures mean little without it.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "benchutil.h"
#include "chaintrail/bitcoin.h"
#include "base/hash.h"
#include "base/util.h"

#define MAX_BLOCKS 8192u

typedef struct view {
    const uint8_t *p;
    size_t len;
} view;

typedef struct corpus {
    view block[MAX_BLOCKS];
    size_t n;
    uint64_t bytes;
    uint64_t tx;
} corpus;

typedef struct result {
    const char *mode;
    double seconds;
    double cpu_pct; /* CPU time of the thread / wall time: below ~99, the core was shared */
    double mb_s;
    double blocks_s;
    double tx_s;
    long peak_rss_kb;
} result;

static volatile uint64_t bench_sink;

static const uint8_t blk_magic[4] = {0xf9, 0xbe, 0xb4, 0xd9};

/* out = a "/" b; false (with a message) when it does not fit. */
static bool join_path(char *out, size_t size, const char *a, const char *b)
{
    int n = snprintf(out, size, "%s/%s", a, b);
    if (n < 0 || (size_t)n >= size) {
        fprintf(stderr, "bench_decode: path too long: '%s/%s'\n", a, b);
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

static int add_view(corpus *c, const uint8_t *p, size_t len)
{
    if (c->n == MAX_BLOCKS) {
        fprintf(stderr, "bench_decode: more than %u blocks\n", MAX_BLOCKS);
        return -1;
    }
    c->block[c->n].p = p;
    c->block[c->n].len = len;
    c->n++;
    c->bytes += len;
    return 0;
}

/* A file of blk records (magic, LE32 size, block) or one raw block. The extension does not
 * say which (btcd's block540107-....blk is a raw block); the magic does, since a block
 * starts with its version. A bad magic or a short record ends the walk, as at the end of a
 * blk file. */
static int add_file(corpus *c, const uint8_t *p, size_t len)
{
    if (len < 8 || memcmp(p, blk_magic, 4) != 0)
        return add_view(c, p, len);
    size_t pos = 0;
    while (len - pos >= 8 && memcmp(p + pos, blk_magic, 4) == 0) {
        uint32_t size = ct_le32(p + pos + 4);
        if (size > len - pos - 8)
            break;
        if (add_view(c, p + pos + 8, size) != 0)
            return -1;
        pos += 8 + (size_t)size;
    }
    return 0;
}

static int load_path(corpus *c, const char *path)
{
    size_t len;
    uint8_t *p = read_file(path, &len); /* kept until exit: the views borrow it */
    if (!p) {
        fprintf(stderr, "bench_decode: cannot read '%s'\n", path);
        return -1;
    }
    return add_file(c, p, len);
}

static bool is_block_file(const char *name)
{
    size_t n = strlen(name);
    if (n < 4 || strstr(name, "-undo")) /* bcoin's block300025-undo.raw is undo data */
        return false;
    const char *ext = name + n - 4;
    return strcmp(ext, ".blk") == 0 || strcmp(ext, ".dat") == 0 || strcmp(ext, ".raw") == 0;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int load_dir(corpus *c, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "bench_decode: cannot open '%s'\n", dir);
        return -1;
    }
    char *names[256];
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 256)
        if (is_block_file(e->d_name) && (names[n] = strdup(e->d_name)) != NULL)
            n++;
    closedir(d);
    qsort(names, n, sizeof(names[0]), cmp_names);
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        char path[4096];
        if (rc == 0)
            rc = join_path(path, sizeof(path), dir, names[i]) ? load_path(c, path) : -1;
        free(names[i]);
    }
    return rc;
}

/* Decodes every block once; counts transactions. A real block that fails is a decoder bug
 * and the figures would be meaningless. */
static int check_corpus(corpus *c, ct_btc_block *blk, const char *what)
{
    c->tx = 0;
    for (size_t i = 0; i < c->n; i++) {
        ct_error err;
        ct_error_clear(&err);
        if (ct_btc_block_decode(blk, c->block[i].p, c->block[i].len, ct_btc_params_get("mainnet"),
                                0, &err) != CT_OK) {
            char line[1024];
            ct_error_format(&err, line, sizeof(line));
            fprintf(stderr, "bench_decode: %s block %zu does not decode: %s\n", what, i, line);
            return -1;
        }
        c->tx += blk->n_tx;
    }
    return 0;
}

/* One pass over the corpus, with an error record as an ingest passes one. Returns false on
 * a decode failure (cannot happen after check_corpus, but a benchmark that ignores errors
 * measures nothing). */
static bool pass(const corpus *c, ct_btc_block *blk, int mode, unsigned flags, uint64_t *sink)
{
    const ct_btc_params *net = ct_btc_params_get("mainnet");
    ct_error err;
    ct_error_clear(&err);
    for (size_t i = 0; i < c->n; i++) {
        if (mode == 's') {
            uint8_t h[32];
            ct_sha256d(h, c->block[i].p, c->block[i].len);
            *sink += h[0];
        } else {
            if (ct_btc_block_decode(blk, c->block[i].p, c->block[i].len, net, flags, &err) != CT_OK)
                return false;
            *sink += blk->tx[blk->n_tx - 1].txid[0];
        }
    }
    return true;
}

static int run_mode(result *r, const char *name, const corpus *c, ct_btc_block *blk, int mode,
                    unsigned flags, double seconds)
{
    uint64_t sink = 0, passes = 0;
    if (!pass(c, blk, mode, flags, &sink)) /* warm-up: caches, arena, page faults */
        return -1;
    double t0 = bench_clock_s(CLOCK_MONOTONIC), c0 = bench_clock_s(CLOCK_THREAD_CPUTIME_ID), t;
    do {
        if (!pass(c, blk, mode, flags, &sink))
            return -1;
        passes++;
        t = bench_clock_s(CLOCK_MONOTONIC) - t0;
    } while (t < seconds);
    r->mode = name;
    r->seconds = t;
    r->cpu_pct = 100.0 * (bench_clock_s(CLOCK_THREAD_CPUTIME_ID) - c0) / t;
    r->mb_s = (double)(c->bytes * passes) / 1e6 / t;
    r->blocks_s = (double)(c->n * passes) / t;
    r->tx_s = (double)(c->tx * passes) / t;
    r->peak_rss_kb = bench_peak_rss_kb();
    printf("%-20s %9.1f %11.0f %12.0f %10.1f %6.1f   (%llu passes, %.2f s)\n", name, r->mb_s,
           r->blocks_s, r->tx_s, (double)r->peak_rss_kb / 1024.0, r->cpu_pct,
           (unsigned long long)passes, t);
    fflush(stdout);
    bench_sink += sink; /* keeps the work observable */
    return 0;
}

/* Copies text into out[size], truncating. */
static void copy_text(char *out, size_t size, const char *s)
{
    size_t n = strlen(s);
    if (n >= size)
        n = size - 1;
    memcpy(out, s, n);
    out[n] = '\0';
}

/* First line of a /proc file, or the value of one "key: value" line of it; "?" if absent. */
static void proc_value(char *out, size_t size, const char *path, const char *key)
{
    FILE *f = fopen(path, "r");
    char line[512];
    copy_text(out, size, "?");
    if (!f)
        return;
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\n")] = '\0';
        if (!key) {
            copy_text(out, size, line);
            break;
        }
        if (strncmp(line, key, strlen(key)) == 0) {
            const char *v = strchr(line, ':');
            v = v ? v + 1 : line;
            while (*v == ' ' || *v == '\t')
                v++;
            copy_text(out, size, v);
            break;
        }
    }
    fclose(f);
}

/* Writes s as a JSON string body (the values here are plain text; quotes and backslashes
 * are escaped, control characters dropped). */
static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fputc('\\', f);
        if ((unsigned char)*s >= 0x20)
            fputc(*s, f);
    }
    fputc('"', f);
}

int main(int argc, char **argv)
{
    const char *fixtures = NULL, *json = NULL, *label = "", *only = NULL;
    double seconds = 3.0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
            seconds = strtod(argv[++i], NULL);
        } else if (strcmp(argv[i], "--json") == 0 && i + 1 < argc) {
            json = argv[++i];
        } else if (strcmp(argv[i], "--label") == 0 && i + 1 < argc) {
            label = argv[++i];
        } else if (strcmp(argv[i], "--mode") == 0 && i + 1 < argc) {
            only = argv[++i];
        } else if (!fixtures && argv[i][0] != '-') {
            fixtures = argv[i];
        } else {
            fixtures = NULL;
            break;
        }
    }
    if (!fixtures || !(seconds > 0 && seconds < 3600)) {
        fprintf(stderr, "usage: bench_decode FIXTURES_DIR [--seconds S] [--mode NAME] "
                        "[--json PATH] [--label TEXT]\n");
        return 2;
    }

    char cpu[256], mem[64], load_before[128], load_after[128], path[4096];
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    proc_value(cpu, sizeof(cpu), "/proc/cpuinfo", "model name");
    proc_value(mem, sizeof(mem), "/proc/meminfo", "MemTotal");
    proc_value(load_before, sizeof(load_before), "/proc/loadavg", NULL);
    printf("machine: %s, %ld cores, MemTotal %s, load average %s\n", cpu, cores, mem, load_before);
    printf("openssl: %s\n", OpenSSL_version(OPENSSL_VERSION));

    static corpus blocks, early;
    static const char *const dirs[] = {"btc/raw_blocks/bitcoinj", "btc/raw_blocks/bcoin",
                                       "btc/raw_blocks/btcd", "btc/raw_blocks/hadoopcryptoledger"};
    for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
        if (!join_path(path, sizeof(path), fixtures, dirs[i]) || load_dir(&blocks, path) != 0)
            return 1;
    }
    if (!join_path(path, sizeof(path), fixtures,
                   "btc/blk_consecutive/jeffchan/blk00000_first1MB.dat") ||
        load_path(&early, path) != 0)
        return 1;

    ct_btc_block blk;
    ct_btc_block_init(&blk);
    if (check_corpus(&blocks, &blk, "real") != 0 || check_corpus(&early, &blk, "early") != 0)
        return 1;
    printf("corpus: %zu real blocks, %.1f MB, %llu tx; early blocks: %zu blocks, %.2f MB, "
           "%llu tx\n",
           blocks.n, (double)blocks.bytes / 1e6, (unsigned long long)blocks.tx, early.n,
           (double)early.bytes / 1e6, (unsigned long long)early.tx);
    printf("%.1f s per mode, one thread\n\n", seconds);
    printf("%-20s %9s %11s %12s %10s %6s\n", "mode", "MB/s", "blocks/s", "tx/s", "peakRSS MB",
           "cpu%");

    static const struct {
        const char *name;
        int kind; /* 'd' decode, 's' sha256d only */
        unsigned flags;
        bool early;
    } modes[] = {
        {"decode+txid", 'd', 0, false},
        {"decode+txid+wtxid", 'd', CT_BTC_WTXID, false},
        {"sha256d only", 's', 0, false},
        {"early blocks", 'd', 0, true},
    };
    result res[4];
    size_t nres = 0;
    for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
        if (only && strcmp(only, modes[i].name) != 0)
            continue;
        if (run_mode(&res[nres], modes[i].name, modes[i].early ? &early : &blocks, &blk,
                     modes[i].kind, modes[i].flags, seconds) != 0) {
            fprintf(stderr, "bench_decode: decode failed during the %s run\n", modes[i].name);
            return 1;
        }
        nres++;
    }
    if (nres == 0) {
        fprintf(stderr, "bench_decode: no mode named '%s'\n", only);
        return 2;
    }
    proc_value(load_after, sizeof(load_after), "/proc/loadavg", NULL);
    printf("\nload average after: %s; decoder arena peak %.1f MB\n", load_after,
           (double)ct_arena_peak(blk.priv_) / 1e6);

    if (json) {
        FILE *f = fopen(json, "a");
        if (!f) {
            fprintf(stderr, "bench_decode: cannot open '%s'\n", json);
            return 1;
        }
        char date[32];
        time_t t = time(NULL);
        struct tm tm;
        strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
        fprintf(f, "{\"date\":\"%s\",\"label\":", date);
        json_str(f, label);
        fprintf(f, ",\"machine\":{\"cpu\":");
        json_str(f, cpu);
        fprintf(f, ",\"cores\":%ld,\"mem_total\":", cores);
        json_str(f, mem);
        fprintf(f, ",\"loadavg_before\":");
        json_str(f, load_before);
        fprintf(f, ",\"loadavg_after\":");
        json_str(f, load_after);
        fprintf(f, ",\"openssl\":");
        json_str(f, OpenSSL_version(OPENSSL_VERSION));
        fprintf(f,
                "},\"seconds_per_mode\":%.1f,\"corpus\":{\"blocks\":%zu,\"bytes\":%llu,"
                "\"tx\":%llu,\"early_blocks\":%zu,\"early_bytes\":%llu,\"early_tx\":%llu},"
                "\"modes\":[",
                seconds, blocks.n, (unsigned long long)blocks.bytes, (unsigned long long)blocks.tx,
                early.n, (unsigned long long)early.bytes, (unsigned long long)early.tx);
        for (size_t i = 0; i < nres; i++)
            fprintf(f,
                    "%s{\"mode\":\"%s\",\"mb_s\":%.1f,\"blocks_s\":%.0f,\"tx_s\":%.0f,"
                    "\"peak_rss_kb\":%ld,\"cpu_pct\":%.1f}",
                    i ? "," : "", res[i].mode, res[i].mb_s, res[i].blocks_s, res[i].tx_s,
                    res[i].peak_rss_kb, res[i].cpu_pct);
        fprintf(f, "]}\n");
        if (fclose(f) != 0) {
            fprintf(stderr, "bench_decode: cannot write '%s'\n", json);
            return 1;
        }
    }
    ct_btc_block_release(&blk);
    return 0;
}
