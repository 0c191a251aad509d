/* libFuzzer harness of the scan's risk policy (engine/scan/policy.c, ct_scan_policy_parse:
 * JSON, or YAML through engine/intel's TagPack subset, ct_yaml_to_json). Oracle:
 * - the policy either parses or fails with CT_EINVAL "policy-unknown-name"/"policy-bad-value"
 *   and a detail "line L, column C: " inside the input, CT_ECORRUPT (JSON: an offset inside
 *   the input; YAML: "policy-yaml" and "line L: " inside the input), or CT_ENOMEM;
 * - a parsed policy is walked: a category not named is all zero, a named one has every field
 *   in its documented range (docs/scan.md);
 * - the YAML subset on its own: what ct_yaml_to_json returns is one JSON object our parser
 *   accepts, with positions in order, inside the JSON text and on lines of the input.
 * No crash, leak or sanitizer report. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "chaintrail/scan.h"
#include "intel/yaml.h"

#define REQUIRE(c)                                                                                 \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "fuzz_policy.c:%d: invariant failed: %s\n", __LINE__, #c);             \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static void check_policy(const uint8_t *data, size_t size, uint64_t lines)
{
    ct_scan_policy p;
    ct_error err;
    ct_error_clear(&err);
    int rc = ct_scan_policy_parse(&p, (const char *)data, size, &err);
    if (rc != CT_OK) {
        REQUIRE(err.code == rc && err.reason[0] && err.detail[0]);
        unsigned long long l, c;
        if (rc == CT_EINVAL) {
            REQUIRE(strcmp(err.reason, "policy-unknown-name") == 0 ||
                    strcmp(err.reason, "policy-bad-value") == 0);
            REQUIRE(sscanf(err.detail, "line %llu, column %llu: ", &l, &c) == 2);
            REQUIRE(l >= 1 && l <= lines && c >= 1 && c <= size + 1);
            REQUIRE(err.offset == UINT64_MAX || err.offset <= size);
        } else if (rc == CT_ECORRUPT) {
            if (strcmp(err.reason, "policy-yaml") == 0) {
                if (sscanf(err.detail, "line %llu: ", &l) != 1 || l > lines)
                    fprintf(stderr, "YAML error outside the input (%llu lines): %s\n",
                            (unsigned long long)lines, err.detail);
                REQUIRE(sscanf(err.detail, "line %llu: ", &l) == 1);
                REQUIRE(l >= 1 && l <= lines);
            } else {
                REQUIRE(err.offset <= size);
            }
        } else {
            REQUIRE(rc == CT_ENOMEM);
        }
        return;
    }
    for (unsigned k = 0; k < CT_LABEL_CATEGORIES; k++) {
        const ct_scan_rule *r = &p.rules[k];
        if (r->max_hops == 0) { /* not named */
            REQUIRE(r->severity == CT_SCAN_NONE && r->direction == 0 && r->exposure == 0 &&
                    r->min_sat == 0 && r->min_usd_cents == 0 && r->min_share_ppm == 0);
            continue;
        }
        REQUIRE(ct_scan_severity_name(r->severity) != NULL);
        REQUIRE(ct_scan_direction_name(r->direction) != NULL);
        REQUIRE(ct_scan_exposure_name(r->exposure) != NULL);
        REQUIRE(r->max_hops <= CT_SCAN_MAX_HOPS);
        REQUIRE(r->exposure != CT_SCAN_DIRECT || r->max_hops == 1);
        REQUIRE(r->min_share_ppm <= 1000000);
    }
}

static void check_yaml(const uint8_t *data, size_t size, uint64_t lines)
{
    ct_buf json;
    ct_buf_init(&json, (size_t)1 << 26);
    ct_yaml_pos *pos = NULL;
    size_t n_pos = 0;
    ct_error err;
    ct_error_clear(&err);
    int rc = ct_yaml_to_json(&json, &pos, &n_pos, (const char *)data, size, "yaml", &err);
    if (rc != CT_OK) {
        REQUIRE(err.code == rc);
        REQUIRE(rc == CT_ENOMEM || (rc == CT_ECORRUPT && strcmp(err.reason, "yaml") == 0));
        unsigned long long l;
        if (rc == CT_ECORRUPT && sscanf(err.detail, "line %llu: ", &l) == 1)
            REQUIRE(l >= 1 && l <= lines);
        free(pos);
        ct_buf_release(&json);
        return;
    }
    ct_json_doc d;
    ct_json_init(&d);
    ct_json_options o = CT_JSON_OPTIONS_INIT;
    o.max_depth = CT_YAML_MAX_DEPTH;
    int jr = ct_json_parse(&d, (const char *)json.data, json.len, &o, NULL);
    if (jr != CT_OK)
        fprintf(stderr, "not JSON: %.*s\n", (int)(json.len > 2000 ? 2000 : json.len),
                (const char *)json.data);
    REQUIRE(jr == CT_OK);
    REQUIRE(ct_json_type_of(&d, 0) == CT_JSON_OBJECT);
    for (size_t i = 0; i < n_pos; i++) {
        REQUIRE(pos[i].json_off < json.len);
        REQUIRE(i == 0 || pos[i].json_off > pos[i - 1].json_off);
        REQUIRE(pos[i].line >= 1 && pos[i].line <= lines && pos[i].col >= 1 &&
                pos[i].col <= size + 1);
    }
    ct_json_release(&d);
    free(pos);
    ct_buf_release(&json);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint64_t lines = 1;
    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n';
    check_policy(data, size, lines);
    check_yaml(data, size, lines);
    return 0;
}
