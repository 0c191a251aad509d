/* Safe output of an export (bad-inputs.md X7, X8): the final path is never followed through
 * a symbolic link and never replaced without --force; everything is written to a temporary
 * file or directory beside it (created with O_EXCL | O_NOFOLLOW), synced, and renamed into
 * place, so a kill or a full disk never leaves a truncated file at the path. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "export/export_internal.h"

/* The only names an export directory holds: --force replaces a directory made of nothing
 * else, so it cannot wipe a directory given by mistake. */
static const char *const dir_names[] = {"nodes.csv", "edges.csv", "relationships.csv", "README.md"};

static bool is_export_name(const char *n)
{
    for (size_t i = 0; i < sizeof(dir_names) / sizeof(dir_names[0]); i++)
        if (strcmp(n, dir_names[i]) == 0)
            return true;
    return false;
}

static char *str_printf2(const char *a, const char *b, const char *c)
{
    size_t n = strlen(a) + strlen(b) + strlen(c) + 1;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s%s%s", a, b, c);
    return s;
}

/* dir part ("." when none) and base part of path into fresh strings. */
static int split_path(const char *path, char **dir, char **base)
{
    const char *slash = strrchr(path, '/');
    if (!slash) {
        *dir = strdup(".");
        *base = strdup(path);
    } else {
        size_t dl = (size_t)(slash - path);
        *dir = dl == 0 ? strdup("/") : strndup(path, dl);
        *base = strdup(slash + 1);
    }
    if (!*dir || !*base) {
        free(*dir);
        free(*base);
        return CT_ENOMEM;
    }
    return CT_OK;
}

/* Checks that an existing directory at path holds only export files. */
static int check_export_dir(const char *path, ct_error *err)
{
    DIR *d = opendir(path);
    if (!d)
        return ct_fail(err, CT_EIO, "cannot-create", "cannot read the directory '%s': %s", path,
                       strerror(errno));
    struct dirent *e;
    int rc = CT_OK;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (!is_export_name(e->d_name)) {
            rc = ct_fail(err, CT_EIO, "output-kind",
                         "'%s' is a directory that holds '%s', which is not a file of an "
                         "export: not replaced",
                         path, e->d_name);
            break;
        }
    }
    closedir(d);
    return rc;
}

int ex_out_begin(ex_out *o, const char *path, bool dir, bool force, ct_error *err)
{
    memset(o, 0, sizeof(*o));
    if (!path || !*path || path[strlen(path) - 1] == '/')
        return ct_fail(err, CT_EINVAL, "bad-output", "the output path '%s' names no file",
                       path ? path : "");
    struct stat st;
    if (lstat(path, &st) == 0) {
        if (S_ISLNK(st.st_mode))
            return ct_fail(err, CT_EIO, "output-symlink",
                           "'%s' is a symbolic link: an export never writes through one", path);
        if (!force)
            return ct_fail(err, CT_EIO, "output-exists", "'%s' exists (--force replaces it)", path);
        if (dir && !S_ISDIR(st.st_mode))
            return ct_fail(err, CT_EIO, "output-kind",
                           "'%s' exists and is not a directory: this format writes one", path);
        if (!dir && !S_ISREG(st.st_mode))
            return ct_fail(err, CT_EIO, "output-kind", "'%s' exists and is not a regular file",
                           path);
        if (dir) {
            int rc = check_export_dir(path, err);
            if (rc != CT_OK)
                return rc;
        }
        o->replace = true;
    } else if (errno != ENOENT) {
        return ct_fail(err, CT_EIO, "cannot-create", "cannot look at '%s': %s", path,
                       strerror(errno));
    }
    char *d, *b;
    if (split_path(path, &d, &b) != CT_OK)
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "out of memory");
    o->dir = dir;
    o->path = strdup(path);
    int rc = o->path ? CT_OK : CT_ENOMEM;
    bool made = false;
    for (unsigned attempt = 0; attempt < 100 && rc == CT_OK && !made; attempt++) {
        char suffix[64];
        snprintf(suffix, sizeof(suffix), ".tmp-%ld-%u", (long)getpid(), attempt);
        char *prefix = str_printf2(d, "/.", b);
        free(o->tmp);
        o->tmp = prefix ? str_printf2(prefix, suffix, "") : NULL;
        free(prefix);
        if (!o->tmp) {
            rc = CT_ENOMEM;
            break;
        }
        int fd = -1;
        if (dir)
            made = mkdir(o->tmp, 0777) == 0;
        else if ((fd = open(o->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666)) >=
                 0) {
            close(fd);
            made = true;
        }
        if (!made && errno != EEXIST) {
            rc = ct_fail(err, CT_EIO, "cannot-create", "cannot create a file beside '%s': %s", path,
                         strerror(errno));
            free(o->tmp);
            o->tmp = NULL;
        }
    }
    free(d);
    free(b);
    if (rc == CT_OK && !made)
        rc = ct_fail(err, CT_EIO, "cannot-create", "cannot create a file beside '%s'", path);
    if (rc == CT_ENOMEM)
        ct_fail(err, CT_ENOMEM, "out-of-memory", "out of memory");
    if (rc != CT_OK) {
        if (!made) {
            free(o->tmp);
            o->tmp = NULL;
        }
        ex_out_abort(o);
    }
    return rc;
}

int ex_out_create(ex_out *o, FILE **f, const char *name, ct_error *err)
{
    char *p = name ? str_printf2(o->tmp, "/", name) : strdup(o->tmp);
    if (!p)
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "out of memory");
    /* The temporary file itself exists already (created empty in ex_out_begin). */
    int flags = O_WRONLY | O_NOFOLLOW | O_CLOEXEC | (name ? O_CREAT | O_EXCL : O_TRUNC);
    int fd = open(p, flags, 0666);
    if (fd < 0) {
        int rc =
            ct_fail(err, CT_EIO, "cannot-create", "cannot create '%s': %s", p, strerror(errno));
        free(p);
        return rc;
    }
    free(p);
    *f = fdopen(fd, "w");
    if (!*f) {
        close(fd);
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "out of memory");
    }
    /* a graph file is millions of short writes: 1 MiB of buffer, not stdio's 4 KiB */
    setvbuf(*f, NULL, _IOFBF, 1u << 20);
    return CT_OK;
}

int ex_out_close_file(FILE *f, const char *what, ct_error *err)
{
    int bad = ferror(f) || fflush(f) != 0;
    int e = errno;
    if (!bad && fsync(fileno(f)) != 0) {
        bad = 1;
        e = errno;
    }
    if (fclose(f) != 0 && !bad) {
        bad = 1;
        e = errno;
    }
    if (bad)
        return ct_fail(err, CT_EIO, "cannot-write", "cannot write '%s': %s", what,
                       e ? strerror(e) : "write error");
    return CT_OK;
}

static int sync_dir(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int r = fsync(fd);
    close(fd);
    return r;
}

static void remove_dir_files(const char *dir)
{
    for (size_t i = 0; i < sizeof(dir_names) / sizeof(dir_names[0]); i++) {
        char *p = str_printf2(dir, "/", dir_names[i]);
        if (p)
            unlink(p);
        free(p);
    }
    rmdir(dir);
}

int ex_out_commit(ex_out *o, ct_error *err)
{
    char *d, *b;
    if (split_path(o->path, &d, &b) != CT_OK)
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "out of memory");
    free(b);
    int rc = CT_OK;
    if (o->dir && sync_dir(o->tmp) != 0) {
        rc = ct_fail(err, CT_EIO, "cannot-write", "cannot sync '%s': %s", o->tmp, strerror(errno));
        goto out;
    }
    if (o->dir && o->replace) {
        /* rename(2) cannot replace a non-empty directory: move the old one aside, put the new
         * one in place, then remove the old files (only export files, checked before). */
        char *aside = str_printf2(o->tmp, ".old", "");
        if (!aside) {
            rc = ct_fail(err, CT_ENOMEM, "out-of-memory", "out of memory");
            goto out;
        }
        if (rename(o->path, aside) != 0) {
            rc = ct_fail(err, CT_EIO, "cannot-write", "cannot replace '%s': %s", o->path,
                         strerror(errno));
            free(aside);
            goto out;
        }
        if (rename(o->tmp, o->path) != 0) {
            rc = ct_fail(err, CT_EIO, "cannot-write", "cannot rename into '%s': %s", o->path,
                         strerror(errno));
            if (rename(aside, o->path) != 0) { /* put the old one back */
            }
            free(aside);
            goto out;
        }
        remove_dir_files(aside);
        free(aside);
    } else if (rename(o->tmp, o->path) != 0) {
        rc = ct_fail(err, CT_EIO, "cannot-write", "cannot rename into '%s': %s", o->path,
                     strerror(errno));
        goto out;
    }
    free(o->tmp);
    o->tmp = NULL;
    if (sync_dir(d) != 0)
        rc = ct_fail(err, CT_EIO, "cannot-write", "cannot sync the directory '%s': %s", d,
                     strerror(errno));
out:
    free(d);
    return rc;
}

void ex_out_abort(ex_out *o)
{
    if (o->tmp) {
        if (o->dir)
            remove_dir_files(o->tmp);
        else
            unlink(o->tmp);
    }
    ex_out_release(o);
}

void ex_out_release(ex_out *o)
{
    free(o->path);
    free(o->tmp);
    o->path = o->tmp = NULL;
}

static char *put_digits(char *p, uint32_t v, int n)
{
    for (int i = n - 1; i >= 0; i--, v /= 10)
        p[i] = (char)('0' + v % 10);
    return p + n;
}

/* UTC, as gmtime + strftime("%Y-%m-%dT%H:%M:%SZ") would write it, without them (an export
 * writes a time per edge): the civil date of a day count (H. Hinnant's days_from_civil,
 * inverted), exact for every uint32_t second (years 1970..2106). */
void ex_iso_time(char buf[32], uint32_t t)
{
    uint32_t days = t / 86400, s = t % 86400;
    uint32_t z = days + 719468; /* days since 0000-03-01 */
    uint32_t era = z / 146097, doe = z % 146097;
    uint32_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    uint32_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    uint32_t mp = (5 * doy + 2) / 153;
    uint32_t d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
    uint32_t y = yoe + era * 400 + (m <= 2);
    char *p = put_digits(buf, y, 4);
    *p++ = '-';
    p = put_digits(p, m, 2);
    *p++ = '-';
    p = put_digits(p, d, 2);
    *p++ = 'T';
    p = put_digits(p, s / 3600, 2);
    *p++ = ':';
    p = put_digits(p, s / 60 % 60, 2);
    *p++ = ':';
    p = put_digits(p, s % 60, 2);
    *p++ = 'Z';
    *p = '\0';
}
