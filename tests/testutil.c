#define _XOPEN_SOURCE 700
/* Helpers shared by the Criterion tests; see testutil.h. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "chaintrail/chaintrail.h"
#include "base/hash.h"
#include "store/store.h"
#include "base/util.h"
#include "testutil.h"

char *tu_fixture(const char *rel)
{
    size_t n = strlen(CT_FIXTURES) + strlen(rel) + 2;
    char *p = malloc(n);
    cr_assert_not_null(p);
    snprintf(p, n, "%s/%s", CT_FIXTURES, rel);
    return p;
}

uint8_t *tu_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = malloc(cap + 1);
    for (;;) {
        if (n == cap) {
            cap *= 2;
            buf = realloc(buf, cap + 1);
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    fclose(f);
    buf[n] = 0;
    *len = n;
    return buf;
}

uint8_t *tu_read_fixture(const char *rel, size_t *len)
{
    char *p = tu_fixture(rel);
    uint8_t *d = tu_read_file(p, len);
    cr_assert_not_null(d, "fixture %s missing", p);
    free(p);
    return d;
}

static void drain(int fd, char **buf, size_t *len, size_t *cap)
{
    char tmp[65536];
    ssize_t n = read(fd, tmp, sizeof(tmp));
    if (n <= 0)
        return;
    while (*len + (size_t)n + 1 > *cap) {
        *cap = *cap ? *cap * 2 : 65536;
        *buf = realloc(*buf, *cap);
    }
    memcpy(*buf + *len, tmp, (size_t)n);
    *len += (size_t)n;
    (*buf)[*len] = 0;
}

void tu_exec(tu_run *r, const char *const *args, const char *const *env)
{
    tu_exec_bin(r, CT_BIN, args, env);
}

void tu_exec_bin(tu_run *r, const char *bin, const char *const *args, const char *const *env)
{
    int po[2], pe[2];
    memset(r, 0, sizeof(*r));
    cr_assert(pipe(po) == 0 && pipe(pe) == 0);
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        const char *argv[64];
        size_t n = 0;
        argv[n++] = bin;
        for (size_t i = 0; args[i] && n < 63; i++)
            argv[n++] = args[i];
        argv[n] = NULL;
        int devnull = open("/dev/null", O_RDONLY);
        dup2(devnull, 0);
        dup2(po[1], 1);
        dup2(pe[1], 2);
        close(po[0]);
        close(pe[0]);
        setenv("LC_ALL", "C", 1);
        for (size_t i = 0; env && env[i]; i++)
            putenv((char *)env[i]);
        execv(bin, (char *const *)argv);
        _exit(127);
    }
    close(po[1]);
    close(pe[1]);
    size_t ocap = 0, ecap = 0;
    struct pollfd fds[2] = {{po[0], POLLIN, 0}, {pe[0], POLLIN, 0}};
    int open_fds = 2;
    while (open_fds > 0) {
        if (poll(fds, 2, -1) < 0 && errno != EINTR)
            break;
        for (int i = 0; i < 2; i++) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP)))
                continue;
            size_t before = i == 0 ? r->out_len : r->err_len;
            if (i == 0)
                drain(fds[i].fd, &r->out, &r->out_len, &ocap);
            else
                drain(fds[i].fd, &r->err, &r->err_len, &ecap);
            size_t after = i == 0 ? r->out_len : r->err_len;
            if (after == before) {
                close(fds[i].fd);
                fds[i].fd = -1;
                open_fds--;
            }
        }
    }
    int st = 0;
    waitpid(pid, &st, 0);
    r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    if (!r->out)
        r->out = calloc(1, 1);
    if (!r->err)
        r->err = calloc(1, 1);
}

void tu_run_free(tu_run *r)
{
    free(r->out);
    free(r->err);
    memset(r, 0, sizeof(*r));
}

size_t tu_count_lines(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

char *tu_tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    char tmpl[512];
    snprintf(tmpl, sizeof(tmpl), "%s/chaintrail-test-XXXXXX", base && *base ? base : "/tmp");
    char *d = mkdtemp(tmpl);
    cr_assert_not_null(d);
    return strdup(d);
}

static int rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(p);
}

void tu_rmtree(const char *path)
{
    nftw(path, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

int tu_write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    int ok = fwrite(data, 1, len, f) == len;
    return (fclose(f) == 0 && ok) ? 0 : -1;
}

ct_db *tu_db_open(const char *dir, bool create)
{
    ct_db *db = NULL;
    ct_error err;
    ct_db_options o = CT_DB_OPTIONS_INIT;
    o.create = create;
    ct_error_clear(&err);
    int rc = ct_db_open(&db, dir, &o, &err);
    cr_assert_eq(rc, CT_OK, "open %s: %s %s", dir, err.reason, err.detail);
    return db;
}

int64_t tu_ingest(const char *dir, const char *const *rel)
{
    ct_error err;
    ct_ingest_stats st;
    ct_ingest_options o = CT_INGEST_OPTIONS_INIT;
    const char *paths[16];
    size_t n = 0;
    ct_error_clear(&err);
    for (; rel[n]; n++) {
        cr_assert_lt(n, 16);
        paths[n] = tu_fixture(rel[n]);
    }
    ct_db *db = tu_db_open(dir, true);
    o.net = ct_btc_params_get("mainnet");
    int rc = ct_ingest_bitcoin(db, &st, paths, n, &o, &err);
    cr_assert_eq(rc, CT_OK, "ingest: %s: %s", err.reason, err.detail);
    cr_assert_eq(st.blocks_rejected, 0);
    ct_db_close(db);
    for (size_t i = 0; i < n; i++)
        free((char *)paths[i]);
    return st.height;
}

char *tu_db_first_4313(void)
{
    char *tmp = tu_tmpdir();
    size_t n = strlen(tmp) + 8;
    char *dir = malloc(n);
    snprintf(dir, n, "%s/db", tmp);
    free(tmp);
    int64_t h = tu_ingest(
        dir, (const char *[]){"btc/blk_consecutive/jeffchan/blk00000_first1MB.dat", NULL});
    cr_assert_eq(h, 4312);
    return dir;
}

static ct_store *poke_open(const char *dir)
{
    ct_store *st;
    ct_error err;
    ct_error_clear(&err);
    cr_assert_eq(ct_store_open(&st, dir, NULL, &err), CT_OK, "%s", err.detail);
    return st;
}

void tu_db_poke(const char *dir, const void *key, size_t klen, const void *val, size_t vlen)
{
    ct_store *st = poke_open(dir);
    ct_store_batch *b = ct_store_batch_new();
    if (val)
        ct_store_batch_put(b, key, klen, val, vlen);
    else
        ct_store_batch_del(b, key, klen);
    cr_assert_eq(ct_store_write(st, b, true, NULL), CT_OK);
    ct_store_batch_free(b);
    ct_store_close(st);
}

long tu_db_peek(const char *dir, const void *key, size_t klen, void *buf, size_t cap)
{
    ct_store *st = poke_open(dir);
    ct_buf v;
    ct_buf_init(&v, 1u << 20);
    int rc = ct_store_get(st, NULL, key, klen, &v, NULL);
    long n = -1;
    if (rc == CT_OK) {
        cr_assert_leq(v.len, cap);
        memcpy(buf, v.data, v.len);
        n = (long)v.len;
    }
    ct_buf_release(&v);
    ct_store_close(st);
    return n;
}

char *tu_fresh_db(void)
{
    char *tmp = tu_tmpdir();
    size_t n = strlen(tmp) + 8;
    char *dir = malloc(n);
    cr_assert_not_null(dir);
    snprintf(dir, n, "%s/db", tmp);
    free(tmp);
    return dir;
}

void tu_fresh_db_done(char *path)
{
    char *slash = strrchr(path, '/');
    *slash = '\0';
    tu_rmtree(path);
    free(path);
}

void tu_require_locale(const char *name)
{
    const char *old = setlocale(LC_ALL, NULL);
    char saved[256];
    snprintf(saved, sizeof saved, "%s", old ? old : "C");
    const char *got = setlocale(LC_ALL, name);
    cr_assert_not_null(got, "locale %s is not installed (bash .ci/deps generates it)", name);
    /* a comma as the decimal point is what the locale tests guard against */
    cr_assert_str_eq(localeconv()->decimal_point, ",", "locale %s", name);
    setlocale(LC_ALL, saved);
}

void tu_db_raw_digest(const char *dir, char out[65])
{
    ct_store *st;
    ct_store_options so = CT_STORE_OPTIONS_INIT;
    cr_assert_eq(ct_store_open(&st, dir, &so, NULL), CT_OK);
    ct_store_iter *it = ct_store_iter_new(st, NULL);
    ct_sha256_ctx c;
    ct_sha256_init(&c);
    for (ct_store_iter_seek(it, (const uint8_t *)"", 0); ct_store_iter_valid(it);
         ct_store_iter_next(it)) {
        size_t kl, vl;
        const uint8_t *k = ct_store_iter_key(it, &kl);
        const uint8_t *v = ct_store_iter_value(it, &vl);
        ct_sha256_row(&c, k, kl, v, vl);
    }
    cr_assert_eq(ct_store_iter_status(it, NULL), CT_OK);
    ct_store_iter_free(it);
    ct_store_close(st);
    uint8_t h[32];
    ct_sha256_final(&c, h);
    ct_hex_encode(out, h, 32);
}

char *tu_dense_json(size_t n, size_t *len)
{
    char *t = malloc(2 * n + 2);
    cr_assert_not_null(t);
    size_t k = 0;
    t[k++] = '[';
    for (size_t i = 0; i < n; i++) {
        t[k++] = '0';
        t[k++] = i + 1 < n ? ',' : ']';
    }
    t[k] = '\0';
    *len = k;
    return t;
}
