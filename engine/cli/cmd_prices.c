/* `chaintrail prices import|show`: daily USD prices in the database.
 *
 * prices import FILE --asset A [--column C]: reads a daily price CSV (typedcypher's
 * Date,BTC_USD,... or Yahoo's Date,Open,High,Low,Close,...) into the price table; conflicts
 * with prices already stored are listed on stderr (the stored price is kept, exit 3).
 * prices show [--asset A [--date D]] [--format text|json]: one day's price ("no price" and
 * exit 8 when there is none), an asset's range, or every asset with the import sources and
 * the price table digest. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define CONFLICTS_SHOWN 10

typedef struct import_ctx {
    const char *path;
    const char *asset;
    uint64_t n;
} import_ctx;

static void on_conflict(void *ctx, const ct_price_conflict *c)
{
    import_ctx *x = ctx;
    if (x->n++ >= CONFLICTS_SHOWN)
        return;
    char date[11], stored[CT_CENTS_TEXT_MAX], file[CT_CENTS_TEXT_MAX];
    ct_day_format(date, c->day);
    ct_cents_format(stored, sizeof(stored), c->stored_cents);
    ct_cents_format(file, sizeof(file), c->file_cents);
    cli_error("prices",
              "%s:%llu: %s %s: this file says %s, the table has %s from source %u: kept %s",
              x->path, (unsigned long long)c->line, x->asset, date, file, stored, c->stored_source,
              stored);
}

static int prices_import(int argc, char **argv, const cli_global *g, const cli_command *self)
{
    const char *asset = NULL, *column = NULL;
    const cli_opt opts[] = {
        {"asset", CLI_STRING, &asset}, {"column", CLI_STRING, &column}, {NULL, CLI_FLAG, NULL}};
    int first, rc;
    if ((rc = cli_parse(self, opts, argc, argv, &first)))
        return rc < 0 ? CT_EXIT_OK : rc;
    if (!argv[first]) {
        cli_error("prices", "no FILE given; usage: chaintrail prices import FILE --asset A");
        return CT_EXIT_USAGE;
    }
    if (argv[first + 1]) {
        cli_error("prices", "unexpected argument '%s' (one FILE per import)", argv[first + 1]);
        return CT_EXIT_USAGE;
    }
    if (!asset) {
        cli_error("prices", "option '--asset' is required (BTC, ETH, ...)");
        return CT_EXIT_USAGE;
    }
    char norm[CT_ASSET_MAX + 1];
    ct_error err;
    ct_error_clear(&err);
    if (ct_asset_normalize(norm, asset, &err)) {
        cli_error("prices", "option '--asset': %s", cli_detail(&err));
        return CT_EXIT_USAGE;
    }
    const char *path = argv[first];
    ct_db *db;
    if ((rc = cli_open_db_create("prices", g, &db)))
        return rc;
    import_ctx x = {path, norm, 0};
    ct_price_import_options o = CT_PRICE_IMPORT_OPTIONS_INIT;
    ct_price_import_stats st;
    o.asset = norm;
    o.column = column;
    o.conflict = on_conflict;
    o.ctx = &x;
    rc = ct_prices_import(db, &st, path, &o, &err);
    ct_db_close(db);
    if (rc == CT_ECORRUPT) {
        cli_error("prices", "%s", cli_detail(&err));
        if (strcmp(err.reason, "no-column") == 0 && !column)
            cli_error("prices", "name the price column with --column");
        cli_error("prices", "nothing imported");
        return CT_EXIT_DATA;
    }
    if (rc == CT_EIO) {
        cli_error("prices", "%s", cli_detail(&err));
        return CT_EXIT_IO;
    }
    if (rc) {
        cli_error("prices", "%s", cli_detail(&err));
        return cli_db_exit_code(rc);
    }
    if (st.conflicts > CONFLICTS_SHOWN)
        cli_error("prices", "... and %llu more conflicts",
                  (unsigned long long)(st.conflicts - CONFLICTS_SHOWN));
    char a[11], b[11];
    ct_day_format(a, st.first_day);
    ct_day_format(b, st.last_day);
    fputs("chaintrail: prices: ", stderr);
    cli_print_text(stderr, path);
    fprintf(stderr, ": %s from column ", norm);
    cli_print_text(stderr, st.column);
    fprintf(stderr,
            ", %llu rows, %llu days %s..%s: "
            "%llu added, %llu already stored, %llu conflicts (source %u%s)\n",
            (unsigned long long)st.rows, (unsigned long long)st.days, a, b,
            (unsigned long long)st.added, (unsigned long long)st.same,
            (unsigned long long)st.conflicts, st.source, st.new_source ? "" : ", imported before");
    return st.conflicts ? CT_EXIT_DATA : CT_EXIT_OK;
}

/* ---- show ---- */
static void print_day(FILE *f, bool json, const char *asset, const char *date, bool found,
                      uint64_t cents, uint32_t source)
{
    char usd[CT_CENTS_TEXT_MAX];
    ct_cents_format(usd, sizeof(usd), cents);
    if (json && found)
        fprintf(f,
                "{\"asset\":\"%s\",\"date\":\"%s\",\"usd\":\"%s\",\"usd_cents\":%llu,"
                "\"source\":%u}\n",
                asset, date, usd, (unsigned long long)cents, source);
    else if (json)
        fprintf(f,
                "{\"asset\":\"%s\",\"date\":\"%s\",\"usd\":null,\"usd_cents\":null,"
                "\"source\":null}\n",
                asset, date);
    else if (found)
        fprintf(f, "%s %s %s USD (source %u)\n", date, asset, usd, source);
    else
        fprintf(f, "%s %s no price\n", date, asset);
}

static void print_range(FILE *f, bool json, const ct_price_range *r, bool comma)
{
    char a[11], b[11];
    ct_day_format(a, r->first_day);
    ct_day_format(b, r->last_day);
    if (json)
        fprintf(f, "%s{\"asset\":\"%s\",\"days\":%llu,\"first\":\"%s\",\"last\":\"%s\"}",
                comma ? "," : "", r->asset, (unsigned long long)r->days, a, b);
    else
        fprintf(f, "%-6s %8llu days  %s .. %s\n", r->asset, (unsigned long long)r->days, a, b);
}

static void print_source(FILE *f, bool json, const ct_price_source *s, bool comma)
{
    if (json) {
        fprintf(f, "%s{\"id\":%u,\"asset\":\"%s\",\"column\":", comma ? "," : "", s->id, s->asset);
        cli_json_string(f, s->column);
        fputs(",\"file\":", f);
        cli_json_string(f, s->name);
        fputs(",\"sha256\":\"", f);
        cli_print_hex(f, s->sha256, 32);
        fprintf(f, "\",\"rows\":%llu,\"added\":%llu,\"conflicts\":%llu}",
                (unsigned long long)s->rows, (unsigned long long)s->added,
                (unsigned long long)s->conflicts);
        return;
    }
    fprintf(f, "source %u  %s  column ", s->id, s->asset);
    cli_print_text(f, s->column);
    fputs("  ", f);
    cli_print_text(f, s->name);
    fputs("\n         sha256 ", f);
    cli_print_hex(f, s->sha256, 32);
    fprintf(f, "\n         %llu rows, %llu days added, %llu conflicts\n",
            (unsigned long long)s->rows, (unsigned long long)s->added,
            (unsigned long long)s->conflicts);
}

/* Every asset, every source and the digest. */
static int show_all(ct_db *db, bool json)
{
    ct_error err;
    ct_price_range *assets = NULL;
    size_t n = 0;
    uint8_t digest[32];
    ct_error_clear(&err);
    int rc = ct_prices_assets(db, &assets, &n, &err);
    if (rc == CT_OK)
        rc = ct_prices_digest(db, digest, &err);
    if (rc) {
        free(assets);
        return cli_db_fail("prices", rc, &err);
    }
    fputs(json ? "{\"assets\":[" : "", stdout);
    if (!json && n == 0)
        fputs("no prices\n", stdout);
    for (size_t i = 0; i < n; i++)
        print_range(stdout, json, &assets[i], i > 0);
    free(assets);
    fputs(json ? "],\"sources\":[" : "", stdout);
    for (uint32_t id = 1;; id++) {
        ct_price_source s;
        rc = ct_prices_source_get(db, &s, id, &err);
        if (rc == CT_ENOTFOUND)
            break;
        if (rc) {
            fputs(json ? "]}\n" : "", stdout);
            return cli_db_fail("prices", rc, &err);
        }
        print_source(stdout, json, &s, id > 1);
    }
    fputs(json ? "],\"digest\":\"" : "digest ", stdout);
    cli_print_hex(stdout, digest, 32);
    fputs(json ? "\"}\n" : "\n", stdout);
    return CT_EXIT_OK;
}

static int prices_show(int argc, char **argv, const cli_global *g, const cli_command *self)
{
    const char *asset = NULL, *date = NULL, *format = "text";
    bool json = false;
    const cli_opt opts[] = {{"asset", CLI_STRING, &asset},
                            {"date", CLI_STRING, &date},
                            {"format", CLI_STRING, &format},
                            {NULL, CLI_FLAG, NULL}};
    int first, rc;
    if ((rc = cli_parse(self, opts, argc, argv, &first)))
        return rc < 0 ? CT_EXIT_OK : rc;
    if ((rc = cli_format("prices", format, &json)))
        return rc;
    if (argv[first]) {
        cli_error("prices", "unexpected argument '%s'", argv[first]);
        return CT_EXIT_USAGE;
    }
    char norm[CT_ASSET_MAX + 1];
    uint32_t day = 0;
    ct_error err;
    ct_error_clear(&err);
    if (asset && ct_asset_normalize(norm, asset, &err)) {
        cli_error("prices", "option '--asset': %s", cli_detail(&err));
        return CT_EXIT_USAGE;
    }
    if (date && !asset) {
        cli_error("prices", "option '--date' needs '--asset'");
        return CT_EXIT_USAGE;
    }
    if (date && ct_day_parse(&day, date)) {
        cli_error("prices",
                  "option '--date': '%s' is not a date YYYY-MM-DD from 1970-01-01 to 9999-12-31",
                  date);
        return CT_EXIT_USAGE;
    }
    ct_db *db;
    if ((rc = cli_open_db("prices", g, &db)))
        return rc;
    if (!asset) {
        rc = show_all(db, json);
    } else if (date) {
        uint64_t cents = 0;
        uint32_t source = 0;
        int qrc = ct_price_get(db, NULL, &cents, &source, norm, day, &err);
        if (qrc == CT_OK || qrc == CT_ENOTFOUND) {
            char text[11];
            ct_day_format(text, day);
            print_day(stdout, json, norm, text, qrc == CT_OK, cents, source);
            rc = qrc == CT_OK ? CT_EXIT_OK : CT_EXIT_NOTFOUND;
        } else {
            rc = cli_db_fail("prices", qrc, &err);
        }
    } else {
        ct_price_range r;
        int qrc = ct_prices_range(db, &r, norm, &err);
        if (qrc == CT_OK) {
            print_range(stdout, json, &r, false);
            if (json)
                fputc('\n', stdout);
            rc = CT_EXIT_OK;
        } else if (qrc == CT_ENOTFOUND) {
            if (json)
                printf("{\"asset\":\"%s\",\"days\":0,\"first\":null,\"last\":null}\n", norm);
            else
                printf("%-6s no prices\n", norm);
            rc = CT_EXIT_NOTFOUND;
        } else {
            rc = cli_db_fail("prices", qrc, &err);
        }
    }
    ct_db_close(db);
    return rc;
}

int cmd_prices(int argc, char **argv, const cli_global *g)
{
    const cli_command *self = cli_find("prices");
    if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        fputs(self->usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? CT_EXIT_USAGE : CT_EXIT_OK;
    }
    if (strcmp(argv[1], "import") == 0)
        return prices_import(argc - 1, argv + 1, g, self);
    if (strcmp(argv[1], "show") == 0)
        return prices_show(argc - 1, argv + 1, g, self);
    cli_error("prices", "unknown subcommand '%s' (import, show)", argv[1]);
    return CT_EXIT_USAGE;
}
