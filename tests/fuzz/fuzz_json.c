/* libFuzzer harness of the JSON parser (engine/base/json.c): any bytes either parse or fail
 * with CT_ECORRUPT/CT_ENOMEM and an offset inside the input; a parsed tape is walked in
 * full (every string decoded, every container's children within its range). */
#include <stdint.h>
#include <stdlib.h>

#include "base/json.h"

static void walk(const ct_json_doc *d, uint32_t i, ct_buf *b)
{
    const ct_json_node *n = &d->nodes[i];
    if (n->next <= i || n->next > d->n || (size_t)n->off + n->len > d->len)
        abort();
    if (n->type == CT_JSON_STRING && ct_json_string(d, i, b) != CT_OK)
        abort();
    if (n->type == CT_JSON_ARRAY || n->type == CT_JSON_OBJECT) {
        uint32_t count = 0;
        for (uint32_t c = ct_json_first(d, i); c; c = ct_json_next(d, i, c)) {
            walk(d, c, b);
            count++;
        }
        if (count != (n->type == CT_JSON_OBJECT ? 2 * n->count : n->count))
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ct_json_doc d;
    ct_error err;
    ct_buf b;
    ct_json_init(&d);
    ct_buf_init(&b, (size_t)1 << 26);
    ct_error_clear(&err);
    int rc = ct_json_parse(&d, (const char *)data, size, NULL, &err);
    if (rc == CT_OK)
        walk(&d, 0, &b);
    else if (rc != CT_ENOMEM && (rc != CT_ECORRUPT || err.offset > size))
        abort();
    ct_buf_release(&b);
    ct_json_release(&d);
    return 0;
}
