/* Labels as `labels show` and `show address|tx` print them: one JSON object per label, the
 * text line of a label, and text with control bytes escaped (a label cannot move the
 * cursor). */
#include "cli.h"

void cli_text_safe(FILE *f, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20 || c == 0x7f)
            fprintf(f, "\\x%02x", c);
        else
            fputc(c, f);
    }
}

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
    if (l->reference[0])
        cli_json_string(f, l->reference);
    else
        fputs("null", f);
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
    cli_text_safe(f, it->source);
    fputs(": ", f);
    cli_text_safe(f, it->label);
    fputc('\n', f);
}
