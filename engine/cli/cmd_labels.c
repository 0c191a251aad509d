/* `chaintrail labels import|show|stats`: label sets into the database, the labels of one
 * address with the category used for attribution, and what the database holds with the
 * digest of the label set (docs/labels.md). */
#include <string.h>

#include "cli.h"

#define REPORT_MAX 10 /* rejected rows printed per file; the rest are counted */

typedef struct import_ctx {
    uint64_t reported;
    uint64_t suppressed;
} import_ctx;

static void report(void *ctx, const char *path, uint64_t line, const ct_error *err)
{
    import_ctx *ic = ctx;
    if (ic->reported >= REPORT_MAX) {
        ic->suppressed++;
        return;
    }
    ic->reported++;
    fprintf(stderr, "chaintrail: labels: ");
    cli_print_text(stderr, path);
    if (line)
        fprintf(stderr, ":%llu", (unsigned long long)line);
    fprintf(stderr, ": %s: ", err->reason);
    cli_print_text(stderr, err->detail);
    if (err->offset != UINT64_MAX)
        fprintf(stderr, " (byte %llu)", (unsigned long long)err->offset);
    fputc('\n', stderr);
}

static void summary(const char *path, const ct_labels_import_stats *st, const import_ctx *ic)
{
    fprintf(stderr, "chaintrail: labels: ");
    cli_print_text(stderr, path);
    fprintf(stderr, ": %s, source '", ct_labels_format_name(st->format));
    cli_print_text(stderr, st->source);
    fprintf(stderr,
            "': %llu labels read: %llu added, %llu already present, %llu updated, "
            "%llu rejected",
            (unsigned long long)st->rows, (unsigned long long)st->added,
            (unsigned long long)st->present, (unsigned long long)st->updated,
            (unsigned long long)st->rejected);
    for (size_t i = 0; i < st->n_reasons; i++)
        fprintf(stderr, "%s%s %llu", i ? ", " : " (", st->reasons[i].reason,
                (unsigned long long)st->reasons[i].count);
    if (st->n_reasons)
        fputc(')', stderr);
    if (ic->suppressed)
        fprintf(stderr, "; %llu more rejected rows not shown", (unsigned long long)ic->suppressed);
    fputc('\n', stderr);
}

/* Exit codes by severity when files end differently: corrupt database, I/O, usage,
 * failure, bad data. */
static int worse(int a, int b)
{
    static const int order[] = {CT_EXIT_CORRUPT, CT_EXIT_IO,   CT_EXIT_USAGE,
                                CT_EXIT_FAILURE, CT_EXIT_DATA, CT_EXIT_OK};
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
        if (a == order[i] || b == order[i])
            return order[i];
    return a;
}

static int labels_import(int argc, char **argv, const cli_global *g, const cli_command *self)
{
    const char *format = "auto", *source = NULL, *category = NULL, *asset = NULL;
    bool quiet = false;
    int first, rc;
    const cli_opt opts[] = {
        {"format", CLI_STRING, &format},     {"source", CLI_STRING, &source},
        {"category", CLI_STRING, &category}, {"asset", CLI_STRING, &asset},
        {"quiet", CLI_FLAG, &quiet},         {NULL, CLI_FLAG, NULL},
    };
    if ((rc = cli_parse(self, opts, argc, argv, &first)))
        return rc < 0 ? CT_EXIT_OK : rc;
    ct_labels_import_options o = CT_LABELS_IMPORT_OPTIONS_INIT;
    const char *formats[5];
    size_t fi;
    for (unsigned i = 0; i < 5; i++)
        formats[i] = ct_labels_format_name((ct_labels_format)i);
    if ((rc = cli_name("labels", "format", "format", format, formats, 5, &fi)) != CT_EXIT_OK)
        return rc;
    o.format = (ct_labels_format)fi;
    if (category) {
        ct_label_category c;
        if ((rc = cli_category("labels", "category", category, &c)) != CT_EXIT_OK)
            return rc;
        o.category = (int)c;
    }
    o.source = source;
    o.asset = asset;
    if (!argv[first]) {
        cli_error("labels", "no FILE given; usage: chaintrail labels import FILE...");
        return CT_EXIT_USAGE;
    }

    ct_db *db = NULL;
    ct_error err;
    ct_db_options dbo = CT_DB_OPTIONS_INIT;
    dbo.create = true;
    ct_error_clear(&err);
    if ((rc = ct_db_open(&db, g->db_path, &dbo, &err)) != CT_OK) {
        cli_error_ct("labels", NULL, rc, &err);
        return cli_exit_code(rc);
    }
    int exit_code = CT_EXIT_OK;
    for (int i = first; argv[i]; i++) {
        import_ctx ic = {0, 0};
        ct_labels_import_stats st;
        o.report = report;
        o.ctx = &ic;
        ct_error_clear(&err);
        rc = ct_labels_import(db, &st, argv[i], &o, &err);
        if (rc == CT_OK) {
            if (!quiet)
                summary(argv[i], &st, &ic);
            if (st.rejected)
                exit_code = worse(exit_code, CT_EXIT_DATA);
            continue;
        }
        cli_error_ct("labels", NULL, rc, &err);
        switch (rc) {
        case CT_ECORRUPT:
            exit_code = worse(exit_code, CT_EXIT_DATA);
            continue;
        case CT_EINVAL:
            exit_code = worse(exit_code, CT_EXIT_USAGE);
            continue;
        case CT_EIO:
            exit_code = worse(exit_code, CT_EXIT_IO);
            if (strcmp(err.reason, "cannot-open") == 0 || strcmp(err.reason, "cannot-read") == 0)
                continue; /* the next file may be readable */
            break;
        case CT_EDBCORRUPT:
            exit_code = worse(exit_code, CT_EXIT_CORRUPT);
            break;
        default:
            exit_code = worse(exit_code, CT_EXIT_FAILURE);
            break;
        }
        break; /* the database failed: stop */
    }
    ct_db_close(db);
    return exit_code;
}

static void print_label_json(FILE *f, const ct_label *l)
{
    fputs("{\"source\":", f);
    cli_json_string(f, l->source);
    fputs(",\"label\":", f);
    cli_json_string(f, l->label);
    fprintf(f, ",\"category\":\"%s\",\"confidence\":%u,\"asset\":",
            ct_label_category_name(l->category), (unsigned)l->confidence);
    cli_json_string(f, l->asset);
    fputs(",\"reference\":", f);
    if (l->reference[0])
        cli_json_string(f, l->reference);
    else
        fputs("null", f);
    fputc('}', f);
}

static int labels_show(int argc, char **argv, const cli_global *g, const cli_command *self)
{
    const char *format = "text";
    uint64_t min_conf = 0;
    bool json;
    int first, rc;
    const cli_opt opts[] = {
        {"format", CLI_STRING, &format},
        {"min-confidence", CLI_U64, &min_conf},
        {NULL, CLI_FLAG, NULL},
    };
    if ((rc = cli_parse(self, opts, argc, argv, &first)))
        return rc < 0 ? CT_EXIT_OK : rc;
    if ((rc = cli_format("labels", format, &json)))
        return rc;
    if (min_conf > 100) {
        cli_error("labels", "option '--min-confidence': %llu is above 100",
                  (unsigned long long)min_conf);
        return CT_EXIT_USAGE;
    }
    if (!argv[first] || argv[first + 1]) {
        cli_error("labels", "usage: chaintrail labels show ADDRESS");
        return CT_EXIT_USAGE;
    }
    ct_db *db;
    if ((rc = cli_open_db("labels", g, &db)))
        return rc;
    ct_label_list l;
    ct_error err;
    ct_label_list_init(&l);
    ct_error_clear(&err);
    int qrc = ct_labels_get(db, &l, argv[first], &err);
    if (qrc == CT_OK && l.count == 0) {
        cli_error("labels", "no labels for '%s'", l.address);
        ct_label_list_release(&l);
        ct_db_close(db);
        return CT_EXIT_NOTFOUND;
    }
    if (qrc == CT_OK) {
        size_t best;
        ct_label_category cat = ct_labels_attribution(&l, (unsigned)min_conf, &best);
        FILE *f = stdout;
        if (json) {
            fputs("{\"address\":", f);
            cli_json_string(f, l.address);
            fputs(",\"attribution\":", f);
            if (best == SIZE_MAX) {
                fputs("null", f);
            } else {
                fprintf(f,
                        "{\"category\":\"%s\",\"stops\":%s,\"label\":", ct_label_category_name(cat),
                        ct_label_category_stops(cat) ? "true" : "false");
                print_label_json(f, &l.items[best]);
                fputc('}', f);
            }
            fputs(",\"labels\":[", f);
            for (size_t i = 0; i < l.count; i++) {
                if (i)
                    fputc(',', f);
                print_label_json(f, &l.items[i]);
            }
            fputs("]}\n", f);
        } else {
            fprintf(f, "address       %s\nattribution   ", l.address);
            if (best == SIZE_MAX) {
                fprintf(f, "none (no label with confidence >= %llu)\n",
                        (unsigned long long)min_conf);
            } else {
                fprintf(f, "%s (%s a trace by default): ", ct_label_category_name(cat),
                        ct_label_category_stops(cat) ? "stops" : "does not stop");
                cli_print_text(f, l.items[best].source);
                fputs(": ", f);
                cli_print_text(f, l.items[best].label);
                fputc('\n', f);
            }
            fprintf(f, "labels        %zu\n", l.count);
            for (size_t i = 0; i < l.count; i++) {
                const ct_label *it = &l.items[i];
                fprintf(f, "  %-10s %3u  %-5s ", ct_label_category_name(it->category),
                        (unsigned)it->confidence, it->asset);
                cli_print_text(f, it->source);
                fputs(": ", f);
                cli_print_text(f, it->label);
                fputc('\n', f);
                if (it->reference[0]) {
                    fputs("                        ", f);
                    cli_print_text(f, it->reference);
                    fputc('\n', f);
                }
            }
        }
    }
    ct_label_list_release(&l);
    ct_db_close(db);
    return qrc ? cli_db_fail("labels", qrc, &err) : CT_EXIT_OK;
}

static int labels_stats(int argc, char **argv, const cli_global *g, const cli_command *self)
{
    const char *format = "text";
    bool json;
    int first, rc;
    const cli_opt opts[] = {{"format", CLI_STRING, &format}, {NULL, CLI_FLAG, NULL}};
    if ((rc = cli_parse(self, opts, argc, argv, &first)))
        return rc < 0 ? CT_EXIT_OK : rc;
    if ((rc = cli_format("labels", format, &json)))
        return rc;
    if (argv[first]) {
        cli_error("labels", "unexpected argument '%s'", argv[first]);
        return CT_EXIT_USAGE;
    }
    ct_db *db;
    if ((rc = cli_open_db("labels", g, &db)))
        return rc;
    ct_labels_counts c;
    uint8_t digest[32];
    ct_error err;
    ct_error_clear(&err);
    int qrc = ct_labels_stats(db, &c, &err);
    if (qrc == CT_OK && (qrc = ct_labels_digest(db, digest, &err)) != CT_OK)
        ct_labels_counts_release(&c);
    if (qrc == CT_OK) {
        FILE *f = stdout;
        if (json) {
            fprintf(f, "{\"labels\":%llu,\"addresses\":%llu,\"sources\":%llu,\"by_category\":{",
                    (unsigned long long)c.labels, (unsigned long long)c.addresses,
                    (unsigned long long)c.sources);
            for (unsigned i = 0; i < CT_LABEL_CATEGORIES; i++)
                fprintf(f, "%s\"%s\":%llu", i ? "," : "",
                        ct_label_category_name((ct_label_category)i),
                        (unsigned long long)c.by_category[i]);
            fputs("},\"by_source\":[", f);
            for (size_t i = 0; i < c.n_sources; i++) {
                fputs(i ? ",{\"source\":" : "{\"source\":", f);
                cli_json_string(f, c.per_source[i].name);
                fprintf(f, ",\"labels\":%llu}", (unsigned long long)c.per_source[i].labels);
            }
            fputs("],\"digest\":\"", f);
            cli_print_hex(f, digest, 32);
            fputs("\"}\n", f);
        } else {
            fprintf(f, "labels        %llu\naddresses     %llu\nsources       %llu\ndigest        ",
                    (unsigned long long)c.labels, (unsigned long long)c.addresses,
                    (unsigned long long)c.sources);
            cli_print_hex(f, digest, 32);
            fputs("\nby category\n", f);
            for (unsigned i = 0; i < CT_LABEL_CATEGORIES; i++)
                if (c.by_category[i])
                    fprintf(f, "  %-12s %llu\n", ct_label_category_name((ct_label_category)i),
                            (unsigned long long)c.by_category[i]);
            fputs("by source\n", f);
            for (size_t i = 0; i < c.n_sources; i++) {
                fprintf(f, "  %8llu  ", (unsigned long long)c.per_source[i].labels);
                cli_print_text(f, c.per_source[i].name);
                fputc('\n', f);
            }
        }
        ct_labels_counts_release(&c);
    }
    ct_db_close(db);
    return qrc ? cli_db_fail("labels", qrc, &err) : CT_EXIT_OK;
}

int cmd_labels(int argc, char **argv, const cli_global *g)
{
    const cli_command *self = cli_find("labels");
    if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        fputs(self->usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? CT_EXIT_USAGE : CT_EXIT_OK;
    }
    if (strcmp(argv[1], "import") == 0)
        return labels_import(argc - 1, argv + 1, g, self);
    if (strcmp(argv[1], "show") == 0)
        return labels_show(argc - 1, argv + 1, g, self);
    if (strcmp(argv[1], "stats") == 0)
        return labels_stats(argc - 1, argv + 1, g, self);
    cli_error("labels", "'%s' is not import, show or stats", argv[1]);
    return CT_EXIT_USAGE;
}
