/* What every bench program measures: wall time, CPU time and peak RSS of the process. */
#ifndef CT_BENCHUTIL_H
#define CT_BENCHUTIL_H

#include <stdbool.h>
#include <time.h>

#include "chaintrail/chaintrail.h"

/* Seconds on the clock id (CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME_ID, ...). */
double bench_clock_s(clockid_t id);
/* Seconds on the monotonic clock. */
double bench_now(void);
/* CPU seconds of the process so far, every thread (LevelDB's compaction thread included). */
double bench_cpu_seconds(void);
/* Peak resident set size of the process in KiB (ru_maxrss), -1 when getrusage fails. */
long bench_peak_rss_kb(void);
/* Opens the database at path (created when missing if `create`); NULL after printing
 * "cannot open PATH: why" to stderr. */
ct_db *bench_open_db(const char *path, bool create);

#endif
