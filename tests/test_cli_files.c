/* Inputs given by path must be regular files (issue 12, 4b): a FIFO without a writer hung
 * labels import, prices import, `ingest ethereum --json` and `ingest bitcoin`, and /dev/zero
 * was read up to the 1 GiB bound. Each command now refuses them at once with exit 5 and a
 * message naming the file and what it is; `-` (standard input) stays the one documented way
 * to stream blocks into `ingest bitcoin` and `decode`. A hang fails at ctest's time limit of
 * the binary (no Criterion .timeout: two overlapping ones leak inside libcriterion and fail
 * the LeakSanitizer run). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "testutil.h"

Test(cli_files, fifos_and_devices_are_refused)
{
    char *dir = tu_tmpdir();
    char db[600], fifo[600];
    snprintf(db, sizeof(db), "%s/db", dir);
    snprintf(fifo, sizeof(fifo), "%s/in.fifo", dir);
    cr_assert_eq(mkfifo(fifo, 0600), 0);
    char want_fifo[1200];
    const struct {
        const char *args[8];
        const char *want; /* the first line of stderr; @: the FIFO's path */
    } cases[] = {
        {{"labels", "import", fifo},
         "chaintrail: labels: not-a-file: '@' is a FIFO, not a regular file\n"},
        {{"labels", "import", "/dev/zero"},
         "chaintrail: labels: not-a-file: '/dev/zero' is a character device, not a regular "
         "file\n"},
        {{"prices", "import", fifo, "--asset", "BTC"},
         "chaintrail: prices: '@' is a FIFO, not a regular file\n"},
        {{"ingest", "ethereum", "--json", fifo},
         "chaintrail: ingest: @: not-a-file: '@' is a FIFO, not a regular file\n"},
        {{"ingest", "ethereum", "--json", "/dev/zero"},
         "chaintrail: ingest: /dev/zero: not-a-file: '/dev/zero' is a character device, not a "
         "regular file\n"},
        {{"ingest", "bitcoin", fifo},
         "chaintrail: ingest: @: offset 0: not-a-file: a FIFO, not a regular file or a "
         "directory ('-' reads standard input)\n"},
        {{"ingest", "bitcoin", "/dev/zero"},
         "chaintrail: ingest: /dev/zero: offset 0: not-a-file: a character device, not a regular "
         "file or a directory ('-' reads standard input)\n"},
        {{"decode", "ethereum", fifo},
         "chaintrail: decode: cannot read '@': not a regular file (use '-' for standard "
         "input)\n"},
        {{"decode", "bitcoin", fifo},
         "chaintrail: decode: @: offset 0: not-a-file: a FIFO, not a regular file or a directory "
         "('-' reads standard input)\n"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *args[12] = {"--db", db};
        size_t n = 2;
        for (size_t j = 0; cases[i].args[j]; j++)
            args[n++] = cases[i].args[j];
        args[n] = NULL;
        tu_run r;
        tu_exec(&r, args, NULL);
        cr_assert_eq(r.status, 5, "case %zu: %s", i, r.err);
        size_t w = 0;
        for (const char *c = cases[i].want; *c && w + strlen(fifo) + 1 < sizeof(want_fifo); c++)
            if (*c == '@')
                w += (size_t)snprintf(want_fifo + w, sizeof(want_fifo) - w, "%s", fifo);
            else
                want_fifo[w++] = *c;
        want_fifo[w] = 0;
        cr_assert(strncmp(r.err, want_fifo, strlen(want_fifo)) == 0, "case %zu: %s", i, r.err);
        tu_run_free(&r);
    }
    tu_rmtree(dir);
    free(dir);
}
