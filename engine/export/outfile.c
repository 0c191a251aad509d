/* One output file written safely for commands outside the export (scan -o): the safe-file
 * writer of safefile.c behind the public API (include/chaintrail/export.h). */
#include <stdio.h>
#include <stdlib.h>

#include "export/export_internal.h"

struct ct_out_file {
    ex_out out;
    FILE *f;
};

int ct_out_file_open(ct_out_file **out, FILE **f, const char *path, bool force, ct_error *err)
{
    *out = NULL;
    *f = NULL;
    ct_out_file *o = calloc(1, sizeof(*o));
    if (!o)
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "out of memory");
    int rc = ex_out_begin(&o->out, path, false, force, err);
    if (rc == CT_OK && (rc = ex_out_create(&o->out, &o->f, NULL, err)) != CT_OK)
        ex_out_abort(&o->out);
    if (rc != CT_OK) {
        free(o);
        return rc;
    }
    *out = o;
    *f = o->f;
    return CT_OK;
}

int ct_out_file_commit(ct_out_file *o, ct_error *err)
{
    int rc = ex_out_close_file(o->f, o->out.path, err);
    o->f = NULL;
    if (rc == CT_OK)
        rc = ex_out_commit(&o->out, err);
    if (rc != CT_OK)
        ex_out_abort(&o->out);
    else
        ex_out_release(&o->out);
    free(o);
    return rc;
}

void ct_out_file_abort(ct_out_file *o)
{
    if (!o)
        return;
    if (o->f)
        fclose(o->f);
    ex_out_abort(&o->out);
    free(o);
}
