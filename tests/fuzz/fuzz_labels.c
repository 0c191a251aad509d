/* libFuzzer harness of the label readers (engine/intel/labels_read.c: CSV, JSON, OFAC lists;
 * tagpack.c: TagPack YAML), each reading the whole input as one file through its in-memory
 * form (ct_labels_file.text, no stream). The first input byte picks the reader (0 CSV, 1
 * JSON, 2 TagPack, 3 OFAC text list, 4 JSON named as an OFAC list; its value mod 5), the rest
 * is the file. The harness is the sink:
 * every row handed over is walked (each string read to its NUL, the label's label_len
 * bytes), its line lies inside the input, its offset too, its category and confidence are
 * in range; every rejected row has a reason and a line inside the input. Oracle on the
 * result: CT_OK, CT_ECORRUPT with a reason, CT_EINVAL "unknown-asset" (an OFAC list in JSON
 * without the asset its name gives) (and a "line L" inside the input when it names
 * one), or CT_ENOMEM. No crash, leak or sanitizer report. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "intel/label_rows.h"

#define REQUIRE(c)                                                                                 \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "fuzz_labels.c:%d: invariant failed: %s\n", __LINE__, #c);             \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

typedef struct sink_state {
    size_t size;
    uint64_t lines;
    uint64_t rows, rejects, sum;
} sink_state;

static uint64_t touch(const char *s)
{
    uint64_t sum = 0;
    if (s)
        for (size_t i = 0; s[i]; i++)
            sum += (unsigned char)s[i];
    return sum;
}

static void where(const sink_state *st, uint64_t line, uint64_t offset)
{
    REQUIRE(line <= st->lines);
    REQUIRE(offset == UINT64_MAX || offset <= st->size);
}

static int on_row(void *ctx, const ct_label_row *r)
{
    sink_state *st = ctx;
    where(st, r->line, r->offset);
    REQUIRE((unsigned)r->category < CT_LABEL_CATEGORIES);
    REQUIRE(r->confidence >= -1 && r->confidence <= 100);
    st->sum += touch(r->address) + touch(r->source) + touch(r->asset) + touch(r->reference);
    REQUIRE(r->label || r->label_len == 0);
    for (size_t i = 0; i < r->label_len; i++)
        st->sum += (unsigned char)r->label[i];
    st->rows++;
    return CT_OK;
}

static int on_reject(void *ctx, uint64_t line, uint64_t offset, const char *reason,
                     const char *detail)
{
    sink_state *st = ctx;
    where(st, line, offset);
    REQUIRE(reason && reason[0]);
    st->sum += touch(reason) + touch(detail);
    st->rejects++;
    return CT_OK;
}

static void set_source(void *ctx, const char *source)
{
    ((sink_state *)ctx)->sum += touch(source);
}

static void set_confidence(void *ctx, uint8_t confidence)
{
    (void)ctx;
    REQUIRE(confidence <= 100);
}

static void set_asset(void *ctx, const char *asset)
{
    ((sink_state *)ctx)->sum += touch(asset);
}

static const char *forced_asset(const void *ctx)
{
    (void)ctx;
    return NULL;
}

static const ct_labels_sink_ops ops = {CT_LABELS_SINK_OPS_VERSION,
                                       on_row,
                                       on_reject,
                                       set_source,
                                       set_confidence,
                                       set_asset,
                                       forced_asset};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    unsigned mode = data[0] % 5;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    sink_state st = {.size = len, .lines = 1};
    for (size_t i = 0; i < len; i++)
        st.lines += text[i] == '\n';
    ct_labels_sink sink = {&ops, &st};
    static const char *const names[5] = {"labels.csv", "labels.json", "pack.yaml",
                                         "sanctioned_addresses_XBT.txt",
                                         "sanctioned_addresses_XBT.json"};
    ct_labels_file f;
    memset(&f, 0, sizeof(f));
    f.path = names[mode];
    f.base = names[mode];
    snprintf(f.stem, sizeof(f.stem), "%.*s", (int)(strchr(names[mode], '.') - names[mode]),
             names[mode]);
    if (mode >= 3)
        snprintf(f.ofac_asset, sizeof(f.ofac_asset), "XBT");
    f.text = text;
    f.len = len;
    ct_error err;
    ct_error_clear(&err);
    int rc = mode == 0                ? ct_labels_read_csv(&sink, &f, &err)
             : mode == 1 || mode == 4 ? ct_labels_read_json(&sink, &f, &err)
             : mode == 2              ? ct_labels_read_tagpack(&sink, &f, &err)
                                      : ct_labels_read_ofac(&sink, &f, &err);
    if (rc != CT_OK) {
        if (rc != CT_ECORRUPT && rc != CT_ENOMEM)
            fprintf(stderr, "mode %u: rc %d %s: %s\n", mode, rc, err.reason, err.detail);
        REQUIRE(err.code == rc && err.reason[0]);
        /* a JSON array of strings is an OFAC list, whose asset only its name gives */
        REQUIRE(rc == CT_ECORRUPT || rc == CT_ENOMEM ||
                (rc == CT_EINVAL && mode == 1 && strcmp(err.reason, "unknown-asset") == 0));
        unsigned long long l;
        const char *at = strstr(err.detail, "line ");
        if (rc == CT_ECORRUPT && at && sscanf(at, "line %llu", &l) == 1) {
            if (l > st.lines)
                fprintf(stderr, "error past the input (%llu lines): %s\n",
                        (unsigned long long)st.lines, err.detail);
            REQUIRE(l >= 1 && l <= st.lines);
        }
    }
    return 0;
}
