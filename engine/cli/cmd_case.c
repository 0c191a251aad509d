/* `chaintrail case add|list|show|rm`: the investigations kept in the database, which the
 * tracer and the reports will read.
 *
 * case add NAME --date D --from SOURCE... [--victim V] [--replace]: stores a case (sources
 * are addresses, TXIDs or TXID:VOUT, checked for syntax); an existing name is an error
 * unless --replace. case list: every case, sorted by name. case show NAME: one case.
 * case rm NAME: deletes one. Text by default, --format json for scripts. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

static const char *kind_name(ct_case_source_kind k)
{
    switch (k) {
    case CT_CASE_ADDRESS:
        return "address";
    case CT_CASE_TX:
        return "tx";
    case CT_CASE_OUTPUT:
        return "output";
    case CT_CASE_ETH_ADDRESS:
        return "eth-address";
    case CT_CASE_ETH_TX:
        return "eth-tx";
    case CT_CASE_SCRIPT:
        return "script";
    }
    return "unknown";
}

static void print_case_json(FILE *f, const ct_case *c)
{
    char date[11];
    ct_day_format(date, c->date);
    fputs("{\"name\":", f);
    cli_json_string(f, c->name);
    fprintf(f, ",\"date\":\"%s\",\"victim\":", date);
    cli_json_string_or_null(f, c->victim);
    fputs(",\"sources\":[", f);
    for (size_t i = 0; i < c->n_sources; i++) {
        const ct_case_source *s = &c->sources[i];
        fprintf(f, "%s{\"source\":", i ? "," : "");
        cli_json_string(f, s->text);
        fprintf(f, ",\"kind\":\"%s\"", kind_name(s->kind));
        if (s->kind == CT_CASE_ADDRESS)
            fprintf(f, ",\"network\":\"%s\"", s->net->name);
        fputc('}', f);
    }
    fputs("],\"created\":\"", f);
    cli_print_time(f, (uint32_t)(c->created > UINT32_MAX ? UINT32_MAX : c->created));
    fputs("\",\"updated\":\"", f);
    cli_print_time(f, (uint32_t)(c->updated > UINT32_MAX ? UINT32_MAX : c->updated));
    fputs("\"}\n", f);
}

static void print_case_text(FILE *f, const ct_case *c)
{
    char date[11];
    ct_day_format(date, c->date);
    fprintf(f, "case      %s\ndate      %s\nvictim    ", c->name, date);
    cli_print_text(f, c->victim[0] ? c->victim : "(none)");
    fputs("\ncreated   ", f);
    cli_print_time(f, (uint32_t)(c->created > UINT32_MAX ? UINT32_MAX : c->created));
    fputs("\nupdated   ", f);
    cli_print_time(f, (uint32_t)(c->updated > UINT32_MAX ? UINT32_MAX : c->updated));
    fprintf(f, "\nsources   %zu\n", c->n_sources);
    for (size_t i = 0; i < c->n_sources; i++) {
        const ct_case_source *s = &c->sources[i];
        fprintf(f, "  %-8s ", kind_name(s->kind));
        cli_print_text(f, s->text);
        if (s->kind == CT_CASE_ADDRESS)
            fprintf(f, " (%s)", s->net->name);
        fputc('\n', f);
    }
}

/* ---- add ---- */
static int case_add(int argc, char **argv, const cli_global *g, const cli_command *self)
{
    const char *date = NULL, *victim = "";
    bool replace = false;
    cli_strings from = CLI_STRINGS_INIT;
    const cli_opt opts[] = {{"date", CLI_STRING, &date},
                            {"from", CLI_STRINGS, &from},
                            {"victim", CLI_STRING, &victim},
                            {"replace", CLI_FLAG, &replace},
                            {NULL, CLI_FLAG, NULL}};
    int first, rc;
    ct_case c;
    ct_error err;
    memset(&c, 0, sizeof(c));
    ct_error_clear(&err);
    if ((rc = cli_parse(self, opts, argc, argv, &first))) {
        cli_strings_release(&from);
        return rc < 0 ? CT_EXIT_OK : rc;
    }
    rc = CT_EXIT_USAGE;
    const char *name = argv[first];
    if (!name) {
        cli_error("case", "no NAME given; usage: chaintrail case add NAME --date YYYY-MM-DD "
                          "--from SOURCE...");
        goto out;
    }
    if (argv[first + 1]) {
        cli_error("case", "unexpected argument '%s'", argv[first + 1]);
        goto out;
    }
    if (!ct_case_name_valid(name)) {
        cli_error("case", "'%s' is not a case name (1 to %d of A-Z a-z 0-9 . _ -)", name,
                  CT_CASE_NAME_MAX);
        goto out;
    }
    if (!date) {
        cli_error("case", "option '--date YYYY-MM-DD' is required (the day of the theft)");
        goto out;
    }
    if (ct_day_parse(&c.date, date)) {
        cli_error("case",
                  "option '--date': '%s' is not a date YYYY-MM-DD from 1970-01-01 to 9999-12-31",
                  date);
        goto out;
    }
    if (from.n == 0) {
        cli_error("case", "option '--from' is required: an address, TXID or TXID:VOUT (repeat "
                          "it for several)");
        goto out;
    }
    if (from.n > CT_CASE_SOURCES_MAX) {
        cli_error("case", "%zu sources: at most %d", from.n, CT_CASE_SOURCES_MAX);
        goto out;
    }
    if (strlen(victim) > CT_CASE_VICTIM_MAX) {
        cli_error("case", "option '--victim': longer than %d bytes", CT_CASE_VICTIM_MAX);
        goto out;
    }
    snprintf(c.name, sizeof(c.name), "%s", name);
    snprintf(c.victim, sizeof(c.victim), "%s", victim);
    c.sources = calloc(from.n, sizeof(*c.sources));
    if (!c.sources) {
        cli_error("case", "out of memory");
        rc = CT_EXIT_FAILURE;
        goto out;
    }
    c.n_sources = from.n;
    for (size_t i = 0; i < from.n; i++)
        if (ct_case_source_parse(&c.sources[i], from.v[i], &err)) {
            cli_error("case", "option '--from': %s", cli_detail(&err));
            goto out;
        }
    ct_db *db;
    if ((rc = cli_open_db("case", g, &db)))
        goto out;
    /* Against the database's network, as trace and show check them. */
    for (size_t i = 0; i < from.n; i++) {
        ct_case_source chk;
        if ((rc = cli_source("case", "from", from.v[i], cli_db_network(db), &chk))) {
            ct_db_close(db);
            goto out;
        }
    }
    int prc = ct_case_put(db, &c, replace, cli_now_seconds(), &err);
    ct_db_close(db);
    if (prc == CT_OK) {
        fprintf(stderr, "chaintrail: case: %s case '%s' with %zu source%s\n",
                replace ? "stored" : "added", c.name, c.n_sources, c.n_sources == 1 ? "" : "s");
        rc = CT_EXIT_OK;
    } else if (prc == CT_EINVAL && strcmp(err.reason, "case-exists") == 0) {
        cli_error("case", "case '%s' exists; use --replace to overwrite it", c.name);
        rc = CT_EXIT_USAGE;
    } else if (prc == CT_EINVAL) {
        cli_error("case", "%s", cli_detail(&err));
        rc = CT_EXIT_USAGE;
    } else {
        rc = cli_db_fail("case", prc, &err);
    }
out:
    ct_case_release(&c);
    cli_strings_release(&from);
    return rc;
}

/* ---- list, show, rm ---- */
static int case_list(int argc, char **argv, const cli_global *g, const cli_command *self)
{
    const char *format = "text";
    bool json = false;
    const cli_opt opts[] = {{"format", CLI_STRING, &format}, {NULL, CLI_FLAG, NULL}};
    int first, rc;
    if ((rc = cli_parse(self, opts, argc, argv, &first)))
        return rc < 0 ? CT_EXIT_OK : rc;
    if ((rc = cli_format("case", format, &json)))
        return rc;
    if (argv[first]) {
        cli_error("case", "unexpected argument '%s'", argv[first]);
        return CT_EXIT_USAGE;
    }
    ct_db *db;
    if ((rc = cli_open_db("case", g, &db)))
        return rc;
    ct_case *cases;
    size_t n;
    ct_error err;
    ct_error_clear(&err);
    int qrc = ct_case_list(db, &cases, &n, &err);
    ct_db_close(db);
    if (qrc)
        return cli_db_fail("case", qrc, &err);
    int width = 4;
    for (size_t i = 0; i < n; i++)
        if ((int)strlen(cases[i].name) > width)
            width = (int)strlen(cases[i].name);
    if (!json && n > 0)
        printf("%-*s  %-10s  %7s  %s\n", width, "NAME", "DATE", "SOURCES", "VICTIM");
    for (size_t i = 0; i < n; i++) {
        if (json) {
            print_case_json(stdout, &cases[i]);
            continue;
        }
        char date[11];
        ct_day_format(date, cases[i].date);
        printf("%-*s  %s  %7zu  %s\n", width, cases[i].name, date, cases[i].n_sources,
               cases[i].victim[0] ? cases[i].victim : "-");
    }
    ct_case_list_free(cases, n);
    return CT_EXIT_OK;
}

static int one_name(int argc, char **argv, const cli_command *self, const cli_opt *opts,
                    const char **name)
{
    int first, rc;
    if ((rc = cli_parse(self, opts, argc, argv, &first)))
        return rc < 0 ? -1 : rc;
    if (!argv[first]) {
        cli_error("case", "no NAME given; usage: chaintrail case %s NAME", argv[0]);
        return CT_EXIT_USAGE;
    }
    if (argv[first + 1]) {
        cli_error("case", "unexpected argument '%s'", argv[first + 1]);
        return CT_EXIT_USAGE;
    }
    *name = argv[first];
    if (!ct_case_name_valid(*name)) {
        cli_error("case", "'%s' is not a case name (1 to %d of A-Z a-z 0-9 . _ -)", *name,
                  CT_CASE_NAME_MAX);
        return CT_EXIT_USAGE;
    }
    return CT_EXIT_OK;
}

static int case_show(int argc, char **argv, const cli_global *g, const cli_command *self)
{
    const char *format = "text", *name;
    bool json = false;
    const cli_opt opts[] = {{"format", CLI_STRING, &format}, {NULL, CLI_FLAG, NULL}};
    int rc = one_name(argc, argv, self, opts, &name);
    if (rc)
        return rc < 0 ? CT_EXIT_OK : rc;
    if ((rc = cli_format("case", format, &json)))
        return rc;
    ct_db *db;
    if ((rc = cli_open_db("case", g, &db)))
        return rc;
    ct_case c;
    ct_error err;
    ct_error_clear(&err);
    int qrc = ct_case_get(db, &c, name, &err);
    ct_db_close(db);
    if (qrc)
        return cli_db_fail("case", qrc, &err);
    if (json)
        print_case_json(stdout, &c);
    else
        print_case_text(stdout, &c);
    ct_case_release(&c);
    return CT_EXIT_OK;
}

static int case_rm(int argc, char **argv, const cli_global *g, const cli_command *self)
{
    const char *name;
    const cli_opt opts[] = {{NULL, CLI_FLAG, NULL}};
    int rc = one_name(argc, argv, self, opts, &name);
    if (rc)
        return rc < 0 ? CT_EXIT_OK : rc;
    ct_db *db;
    if ((rc = cli_open_db("case", g, &db)))
        return rc;
    ct_error err;
    ct_error_clear(&err);
    int qrc = ct_case_del(db, name, &err);
    ct_db_close(db);
    if (qrc)
        return cli_db_fail("case", qrc, &err);
    fprintf(stderr, "chaintrail: case: removed case '%s'\n", name);
    return CT_EXIT_OK;
}

int cmd_case(int argc, char **argv, const cli_global *g)
{
    const cli_command *self = cli_find("case");
    if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        fputs(self->usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? CT_EXIT_USAGE : CT_EXIT_OK;
    }
    if (strcmp(argv[1], "add") == 0)
        return case_add(argc - 1, argv + 1, g, self);
    if (strcmp(argv[1], "list") == 0)
        return case_list(argc - 1, argv + 1, g, self);
    if (strcmp(argv[1], "show") == 0)
        return case_show(argc - 1, argv + 1, g, self);
    if (strcmp(argv[1], "rm") == 0)
        return case_rm(argc - 1, argv + 1, g, self);
    cli_error("case", "unknown subcommand '%s' (add, list, show, rm)", argv[1]);
    return CT_EXIT_USAGE;
}
