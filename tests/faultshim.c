/* An LD_PRELOAD library for tests/test_faults.c (bad-inputs.md S6): makes one fsync,
 * fdatasync or write on a file under a given directory fail with EIO, as a failing disk
 * would, and lets every other call through.
 *
 *   CT_FAULT=fsync:N   the N-th fsync or fdatasync (counted from 1) fails
 *   CT_FAULT=write:N   the N-th write fails
 *                      (N = 0: none fails; the calls are only counted)
 *   CT_FAULT_DIR=DIR   only calls on files in DIR (or on DIR itself) count
 *   CT_FAULT_REPORT=F  at exit, F gets "CALLS FAILED": how many such calls were made in
 *                      all, and whether the failure was injected (1) or not (0)
 *
 * Only that one call fails: a program that retried and carried on would then succeed, and
 * the test would see it. Nothing is printed. Built without sanitizers (it is loaded before
 * their runtimes). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int kind = -1; /* 0 fsync, 1 write, -1 not configured */
static long target, seen;
static char dir[4096];
static size_t dir_len;
static int failed;

static void setup(void)
{
    static int done;
    if (done)
        return;
    done = 1;
    const char *f = getenv("CT_FAULT"), *d = getenv("CT_FAULT_DIR");
    if (!f || !d || !realpath(d, dir))
        return;
    dir_len = strlen(dir);
    if (strncmp(f, "fsync:", 6) == 0)
        kind = 0;
    else if (strncmp(f, "write:", 6) == 0)
        kind = 1;
    else
        return;
    target = strtol(f + 6, NULL, 10);
}

/* Whether this call on fd is the one to fail. */
static int hit(int k, int fd)
{
    setup();
    if (kind != k)
        return 0;
    char link[64], path[4096];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, path, sizeof path - 1);
    if (n <= 0)
        return 0;
    path[n] = '\0';
    if (strncmp(path, dir, dir_len) != 0 || (path[dir_len] != '/' && path[dir_len] != '\0'))
        return 0;
    if (++seen != target || target <= 0)
        return 0;
    failed = 1;
    return 1;
}

__attribute__((destructor)) static void report(void)
{
    const char *r = getenv("CT_FAULT_REPORT");
    if (!r || kind < 0)
        return;
    FILE *f = fopen(r, "w");
    if (!f)
        return;
    fprintf(f, "%ld %d\n", seen, failed);
    fclose(f);
}

int fsync(int fd)
{
    static int (*real)(int);
    if (!real)
        real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
    if (hit(0, fd)) {
        errno = EIO;
        return -1;
    }
    return real(fd);
}

int fdatasync(int fd)
{
    static int (*real)(int);
    if (!real)
        real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
    if (hit(0, fd)) {
        errno = EIO;
        return -1;
    }
    return real(fd);
}

ssize_t write(int fd, const void *buf, size_t n)
{
    static ssize_t (*real)(int, const void *, size_t);
    if (!real)
        real = (ssize_t(*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
    if (hit(1, fd)) {
        errno = EIO;
        return -1;
    }
    return real(fd, buf, n);
}
