/* Labels as `labels show` and `show address|tx` print them: one JSON object per label, the
 * text line of a label, its text through the one escaper cli_print_text (a label cannot
 * move the cursor). */
#include "cli.h"

void cli_label_json(FILE *f, const ct_label *l)
{
    fputs("{\"source\":", f);
    cli_json_string(f, l->source);
    fputs(",\"label\":", f);
    cli_json_string(f, l->label);
    fprintf(f, ",\"category\":\"%s\",\"confidence\":%u,\"asset\":",
            ct_label_category_name(l->category), (unsigned)l->confidence);
    cli_json_string(f, l->asset);
    fputs(",\"reference\":", f);
    cli_json_string_or_null(f, l->reference);
    fputc('}', f);
}

void cli_labels_json(FILE *f, const ct_label_list *l)
{
    fputs(",\"labels\":[", f);
    for (size_t i = 0; i < l->count; i++) {
        if (i)
            fputc(',', f);
        cli_label_json(f, &l->items[i]);
    }
    fputc(']', f);
}

void cli_label_text(FILE *f, const char *indent, const ct_label *it)
{
    fprintf(f, "%s%-10s %3u  %-5s ", indent, ct_label_category_name(it->category),
            (unsigned)it->confidence, it->asset);
    cli_print_text(f, it->source);
    fputs(": ", f);
    cli_print_text(f, it->label);
    fputc('\n', f);
}
