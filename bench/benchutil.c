/* Clocks and peak RSS shared by the bench programs (benchutil.h). */
#include "benchutil.h"

#include <stdio.h>
#include <sys/resource.h>
#include <time.h>

double bench_clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double bench_now(void)
{
    return bench_clock_s(CLOCK_MONOTONIC);
}

double bench_cpu_seconds(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

long bench_peak_rss_kb(void)
{
    struct rusage ru;
    return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : -1;
}

ct_db *bench_open_db(const char *path, bool create)
{
    ct_db *db;
    ct_error err;
    ct_db_options o = CT_DB_OPTIONS_INIT;
    o.create = create;
    ct_error_clear(&err);
    if (ct_db_open(&db, path, &o, &err) != CT_OK) {
        fprintf(stderr, "cannot open %s: %s\n", path, err.detail);
        return NULL;
    }
    return db;
}
