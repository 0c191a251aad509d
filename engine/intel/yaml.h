/* The YAML subset of the TagPack reader (tagpack.c), for other files read in YAML (the risk
 * policy of `scan`, engine/scan/policy.c): the same lines, keys, scalars, comments and
 * refusals, with block mappings nested inside mappings. Turned into JSON text so that a
 * YAML file is checked by the same code as its JSON form. Not public. */
#ifndef CT_INTEL_YAML_H
#define CT_INTEL_YAML_H

#include <stddef.h>
#include <stdint.h>

#include "base/util.h"

/* Where a token of the JSON text came from in the YAML text. */
typedef struct ct_yaml_pos {
    size_t json_off;    /* the token's first byte (a string's opening quote) */
    uint64_t line, col; /* from 1; column in bytes */
} ct_yaml_pos;

#define CT_YAML_MAX_DEPTH 8 /* nested mappings and lists, the top one included */

/* Converts the YAML text[0..len) — a block mapping at column 0 whose values are scalars,
 * nested block mappings or block lists of scalars (TagPack rules otherwise: tagpack.c) —
 * into one JSON object in *json (appended; no NUL added). Plain scalars `null`, `~` and
 * empty values become null, `true` and `false` booleans, text that is a JSON number a
 * number; every other scalar (and every quoted one) a string. *pos (malloc'd, *n_pos
 * entries in order of json_off) maps each token back to its line and column. Returns CT_OK;
 * CT_ECORRUPT with `reason` and "line L: WHAT" for what the subset refuses; CT_ENOMEM. */
CT_WARN_UNUSED int ct_yaml_to_json(ct_buf *json, ct_yaml_pos **pos, size_t *n_pos, const char *text,
                                   size_t len, const char *reason, ct_error *err);
/* The line and column of JSON offset `off`: those of the last token starting at or before
 * it (line 1, column 1 when none). */
void ct_yaml_pos_of(const ct_yaml_pos *pos, size_t n_pos, size_t off, uint64_t *line,
                    uint64_t *col);

#endif
