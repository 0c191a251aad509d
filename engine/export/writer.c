/* The six graph formats (docs/export.md): GraphML, GEXF 1.3, DOT, Neo4j import CSVs,
 * Cytoscape.js JSON and plain CSV, with the same node and edge attributes in each.
 *
 * Edges are formatted as they come into a spool (the edges file itself for the directory
 * formats); ex_writer_finish writes the header and the nodes, copies the spool and closes
 * the document. Identifiers are generated ("n<k>", "e<k>"), never taken from data, so no
 * label can collide with an id or break out of one. */
#include <stdlib.h>
#include <string.h>

#include "export/export_internal.h"
#include "base/hmap.h"

struct ex_writer {
    ct_export_format fmt;
    ex_schema schema;
    ex_out out;
    FILE *spool; /* formatted edges */
    uint64_t n_edges;
    ct_buf clean;
};

/* ---- attributes ---- */
static const char *const node_cols[] = {"kind",  "address", "label", "category", "cluster",
                                        "value", "height",  "time",  "txid"};
static const char *const edge_cols[] = {
    "kind",  "address",      "asset",         "value",      "height",     "time",      "txid",
    "index", "taint_poison", "taint_haircut", "taint_fifo", "taint_lifo", "taint_tiho"};
enum { NODE_COLS = 9, EDGE_COLS_MAX = 13, EDGE_COLS_PLAIN = 8 };

typedef enum { T_STRING, T_LONG, T_TIME } col_type;

static col_type node_type(const ex_writer *w, size_t i)
{
    if (i == 5)
        return w->schema.big_values ? T_STRING : T_LONG;
    if (i == 6)
        return T_LONG;
    if (i == 7)
        return T_TIME;
    return T_STRING;
}

static col_type edge_type(const ex_writer *w, size_t i)
{
    if (i == 3 || i >= 8) /* value and the taint columns */
        return w->schema.big_values ? T_STRING : T_LONG;
    if (i == 4 || i == 7)
        return T_LONG;
    if (i == 5)
        return T_TIME;
    return T_STRING;
}

/* One attribute value: text (not yet cleaned), or a number; absent when !present. */
typedef struct val {
    bool present;
    bool number; /* digits only: written unquoted where the format types it */
    const char *s;
    char buf[CT_U256_DEC_MAX];
} val;

static void val_text(val *v, const char *s)
{
    v->present = true;
    v->number = false;
    v->s = s ? s : "";
}

/* x in decimal at the end of buf[0..size): returns where it starts (a million edges are
 * millions of numbers: no printf) */
static char *dec_u64(char *buf, size_t size, uint64_t x)
{
    char *p = buf + size;
    *--p = '\0';
    do {
        *--p = (char)('0' + x % 10);
        x /= 10;
    } while (x);
    return p;
}

static void val_u64(val *v, uint64_t x)
{
    v->present = true;
    v->number = true;
    v->s = dec_u64(v->buf, sizeof(v->buf), x);
}

static void val_u256(val *v, const ct_u256 *x)
{
    v->present = true;
    v->number = true;
    uint64_t small;
    if (ct_u256_to_u64(&small, x)) {
        v->s = dec_u64(v->buf, sizeof(v->buf), small);
        return;
    }
    ct_u256_to_dec(v->buf, sizeof(v->buf), x);
    v->s = v->buf;
}

static void val_time(val *v, uint32_t t)
{
    v->present = true;
    v->number = false;
    ex_iso_time(v->buf, t);
    v->s = v->buf;
}

static void node_vals(val v[NODE_COLS], const ex_node *n)
{
    memset(v, 0, sizeof(val) * NODE_COLS);
    val_text(&v[0], n->kind);
    val_text(&v[1], n->address);
    val_text(&v[2], n->label);
    val_text(&v[3], n->category);
    val_text(&v[4], n->cluster);
    val_u256(&v[5], &n->value);
    if (n->has_time) {
        val_u64(&v[6], n->height);
        val_time(&v[7], n->time);
    }
    val_text(&v[8], n->txid);
}

static void edge_vals(val v[EDGE_COLS_MAX], const ex_edge *e)
{
    memset(v, 0, sizeof(val) * EDGE_COLS_MAX);
    val_text(&v[0], e->kind);
    val_text(&v[1], e->address);
    val_text(&v[2], e->asset);
    val_u256(&v[3], &e->value);
    val_u64(&v[4], e->height);
    val_time(&v[5], e->time);
    val_text(&v[6], e->txid);
    val_u64(&v[7], e->index);
    for (size_t m = 0; m < EX_MODELS; m++)
        val_u256(&v[8 + m], &e->taint[m]);
}

/* The edge columns of this file: the per-model taint only in trace exports. */
static size_t edge_ncols(const ex_writer *w)
{
    return w->schema.taint ? EDGE_COLS_MAX : EDGE_COLS_PLAIN;
}

/* Cleans s into w->clean and returns it (ex_clean fails only out of memory). */
static const char *cleaned(ex_writer *w, const char *s, int *rc)
{
    /* printable ASCII (addresses, txids, numbers: nearly every value) is clean already */
    const unsigned char *p = (const unsigned char *)s;
    while (*p >= 0x20 && *p < 0x7f)
        p++;
    if (*p == 0)
        return s;
    if (ex_clean(&w->clean, s) != CT_OK) {
        *rc = CT_ENOMEM;
        return "";
    }
    return (const char *)w->clean.data;
}

/* The text a viewer shows on a node: its label, else its address, else its txid. */
static const char *node_caption(const ex_node *n)
{
    if (n->label && *n->label)
        return n->label;
    if (n->address && *n->address)
        return n->address;
    return n->txid ? n->txid : "";
}

/* DOT and GEXF keep "label" for the caption a viewer shows (Graphviz's label, a GEXF node's
 * label, Gephi's Label column): there the label text of the address is called "owner". */
static const char *reserved_name(const char *col)
{
    return strcmp(col, "label") == 0 ? "owner" : col;
}

/* ---- GraphML ---- */
static const char *graphml_type(col_type t)
{
    return t == T_LONG ? "long" : "string";
}

static void graphml_header(ex_writer *w, FILE *f)
{
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
          "<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\">\n",
          f);
    for (size_t i = 0; i < NODE_COLS; i++)
        fprintf(f, "  <key id=\"n_%s\" for=\"node\" attr.name=\"%s\" attr.type=\"%s\"/>\n",
                node_cols[i], node_cols[i], graphml_type(node_type(w, i)));
    for (size_t i = 0; i < edge_ncols(w); i++)
        fprintf(f, "  <key id=\"e_%s\" for=\"edge\" attr.name=\"%s\" attr.type=\"%s\"/>\n",
                edge_cols[i], edge_cols[i], graphml_type(edge_type(w, i)));
    fputs("  <graph id=\"chaintrail\" edgedefault=\"directed\">\n", f);
}

static int graphml_data(ex_writer *w, FILE *f, char prefix, const char *const *cols, const val *v,
                        size_t n)
{
    int rc = CT_OK;
    for (size_t i = 0; i < n; i++) {
        if (!v[i].present)
            continue;
        fputs("      <data key=\"", f);
        fputc(prefix, f);
        fputc('_', f);
        fputs(cols[i], f);
        fputs("\">", f);
        ex_put_xml(f, cleaned(w, v[i].s, &rc));
        fputs("</data>\n", f);
    }
    return rc;
}

/* ---- GEXF 1.3 ---- */
static const char *gexf_type(col_type t)
{
    return t == T_LONG ? "long" : "string";
}

static void gexf_header(ex_writer *w, FILE *f)
{
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
          "<gexf xmlns=\"http://gexf.net/1.3\" version=\"1.3\">\n"
          "  <meta>\n    <creator>chaintrail</creator>\n  </meta>\n"
          "  <graph defaultedgetype=\"directed\" mode=\"dynamic\" timeformat=\"dateTime\" "
          "timerepresentation=\"timestamp\">\n"
          "    <attributes class=\"node\">\n",
          f);
    for (size_t i = 0; i < NODE_COLS; i++)
        fprintf(f, "      <attribute id=\"%s\" title=\"%s\" type=\"%s\"/>\n",
                reserved_name(node_cols[i]), reserved_name(node_cols[i]),
                gexf_type(node_type(w, i)));
    fputs("    </attributes>\n    <attributes class=\"edge\">\n", f);
    for (size_t i = 0; i < edge_ncols(w); i++)
        fprintf(f, "      <attribute id=\"%s\" title=\"%s\" type=\"%s\"/>\n", edge_cols[i],
                edge_cols[i], gexf_type(edge_type(w, i)));
    fputs("    </attributes>\n", f);
}

static int gexf_attvalues(ex_writer *w, FILE *f, const char *const *cols, const val *v, size_t n)
{
    int rc = CT_OK;
    fputs("        <attvalues>\n", f);
    for (size_t i = 0; i < n; i++) {
        if (!v[i].present)
            continue;
        fputs("          <attvalue for=\"", f);
        fputs(reserved_name(cols[i]), f);
        fputs("\" value=\"", f);
        ex_put_xml(f, cleaned(w, v[i].s, &rc));
        fputs("\"/>\n", f);
    }
    fputs("        </attvalues>\n", f);
    return rc;
}

/* ---- DOT ---- */
static int dot_attrs(ex_writer *w, FILE *f, const char *const *cols, const val *v, size_t n)
{
    int rc = CT_OK;
    for (size_t i = 0; i < n; i++) {
        if (!v[i].present)
            continue;
        fputs(", ", f);
        fputs(reserved_name(cols[i]), f);
        fputs("=\"", f);
        ex_put_dot(f, cleaned(w, v[i].s, &rc));
        fputc('"', f);
    }
    return rc;
}

/* ---- JSON (Cytoscape.js) ---- */
static int json_members(ex_writer *w, FILE *f, const char *const *cols, const val *v, size_t n,
                        bool big)
{
    int rc = CT_OK;
    for (size_t i = 0; i < n; i++) {
        if (!v[i].present)
            continue;
        fputs(",\"", f);
        fputs(cols[i], f);
        fputs("\":", f);
        /* numbers stay numbers while a double holds them exactly (satoshi always does);
         * wei and token units are strings in every row (X6) */
        bool as_number =
            v[i].number &&
            !(big && (strcmp(cols[i], "value") == 0 || strncmp(cols[i], "taint_", 6) == 0));
        if (as_number) {
            fputs(v[i].s, f);
        } else {
            fputc('"', f);
            ex_put_json(f, cleaned(w, v[i].s, &rc));
            fputc('"', f);
        }
    }
    return rc;
}

/* ---- CSV (Neo4j and plain) ---- */
static int csv_fields(ex_writer *w, FILE *f, const val *v, size_t n)
{
    int rc = CT_OK;
    for (size_t i = 0; i < n; i++) {
        fputc(',', f);
        if (!v[i].present)
            continue;
        if (v[i].number)
            fputs(v[i].s, f);
        else
            ex_put_csv(f, cleaned(w, v[i].s, &rc));
    }
    return rc;
}

static const char *neo4j_type(col_type t)
{
    return t == T_LONG ? ":long" : t == T_TIME ? ":datetime" : "";
}

/* ---- open, edges, finish ---- */
int ex_writer_open(ex_writer **out, ct_export_format fmt, const char *path, bool force,
                   const ex_schema *schema, ct_error *err)
{
    *out = NULL;
    ex_writer *w = calloc(1, sizeof(*w));
    if (!w)
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "out of memory");
    w->fmt = fmt;
    w->schema = *schema;
    ct_buf_init(&w->clean, 1u << 20);
    bool dir = ct_export_format_is_dir(fmt);
    int rc = ex_out_begin(&w->out, path, dir, force, err);
    if (rc != CT_OK) {
        ct_buf_release(&w->clean);
        free(w);
        return rc;
    }
    if (dir) {
        rc = ex_out_create(&w->out, &w->spool,
                           fmt == CT_EXPORT_NEO4J ? "relationships.csv" : "edges.csv", err);
    } else {
        w->spool = tmpfile();
        if (!w->spool)
            rc = ct_fail(err, CT_EIO, "cannot-create", "cannot create a temporary file");
    }
    if (rc != CT_OK) {
        ex_writer_abort(w);
        return rc;
    }
    if (fmt == CT_EXPORT_NEO4J) {
        fprintf(w->spool, ":START_ID(%s),:END_ID(%s),:TYPE,id", schema->node_space,
                schema->node_space);
        for (size_t i = 0; i < edge_ncols(w); i++)
            fprintf(w->spool, ",%s%s", edge_cols[i], neo4j_type(edge_type(w, i)));
        fputc('\n', w->spool);
    } else if (fmt == CT_EXPORT_CSV) {
        fputs("id,source,target", w->spool);
        for (size_t i = 0; i < edge_ncols(w); i++)
            fprintf(w->spool, ",%s", edge_cols[i]);
        fputc('\n', w->spool);
    }
    *out = w;
    return CT_OK;
}

static void put_num(FILE *f, uint64_t x)
{
    char buf[24];
    fputs(dec_u64(buf, sizeof(buf), x), f);
}

/* GraphML and GEXF: `lead`e<id>" source="n<s>" target="n<t> */
static void put_ids(FILE *f, const char *lead, uint64_t id, uint64_t s, uint64_t t)
{
    fputs(lead, f);
    fputc('e', f);
    put_num(f, id);
    fputs("\" source=\"n", f);
    put_num(f, s);
    fputs("\" target=\"n", f);
    put_num(f, t);
}

int ex_writer_edge(ex_writer *w, const ex_edge *e, ct_error *err)
{
    FILE *f = w->spool;
    val v[EDGE_COLS_MAX];
    edge_vals(v, e);
    uint64_t id = w->n_edges++;
    unsigned long long s = (unsigned long long)e->source, t = (unsigned long long)e->target;
    int rc = CT_OK;
    switch (w->fmt) {
    case CT_EXPORT_GRAPHML:
        put_ids(f, "    <edge id=\"", id, s, t);
        fputs("\">\n", f);
        rc = graphml_data(w, f, 'e', edge_cols, v, edge_ncols(w));
        fputs("    </edge>\n", f);
        break;
    case CT_EXPORT_GEXF:
        put_ids(f, "      <edge id=\"", id, s, t);
        fputs("\" timestamp=\"", f);
        fputs(v[5].s, f);
        fputs("\">\n", f);
        rc = gexf_attvalues(w, f, edge_cols, v, edge_ncols(w));
        fputs("      </edge>\n", f);
        break;
    case CT_EXPORT_DOT:
        /* the amount is a tooltip, not a label: curved splines take no edge labels, and
         * Graphviz 2.42 mis-routes labelled edges fanning into one node (with xlabel,
         * taillabel and headlabel it even fails an assertion) */
        fprintf(f, "  \"n%llu\" -> \"n%llu\" [id=\"e%llu\", tooltip=\"%s ", s, t,
                (unsigned long long)id, v[3].s);
        ex_put_dot(f, cleaned(w, e->unit ? e->unit : "", &rc));
        fputc('"', f);
        if (rc == CT_OK)
            rc = dot_attrs(w, f, edge_cols, v, edge_ncols(w));
        fputs("];\n", f);
        break;
    case CT_EXPORT_CYTOSCAPE:
        fputs(id ? ",\n{\"data\":{\"id\":\"e" : "\n{\"data\":{\"id\":\"e", f);
        put_num(f, id);
        fputs("\",\"source\":\"n", f);
        put_num(f, s);
        fputs("\",\"target\":\"n", f);
        put_num(f, t);
        fputc('"', f);
        rc = json_members(w, f, edge_cols, v, edge_ncols(w), w->schema.big_values);
        fputs("}}", f);
        break;
    case CT_EXPORT_NEO4J:
        fputc('n', f);
        put_num(f, s);
        fputs(",n", f);
        put_num(f, t);
        fputc(',', f);
        fputs(w->schema.rel_type, f);
        fputs(",e", f);
        put_num(f, id);
        rc = csv_fields(w, f, v, edge_ncols(w));
        fputc('\n', f);
        break;
    case CT_EXPORT_CSV:
        fputc('e', f);
        put_num(f, id);
        fputs(",n", f);
        put_num(f, s);
        fputs(",n", f);
        put_num(f, t);
        rc = csv_fields(w, f, v, edge_ncols(w));
        fputc('\n', f);
        break;
    default:
        rc = CT_EINVAL;
    }
    if (rc == CT_OK && ferror(f))
        return ct_fail(err, CT_EIO, "cannot-write", "cannot write the edges: %s",
                       "write error (disk full?)");
    if (rc != CT_OK)
        return ct_fail(err, rc, rc == CT_ENOMEM ? "out-of-memory" : "bad-format",
                       "cannot format an edge");
    return CT_OK;
}

static int write_nodes(ex_writer *w, FILE *f, const ex_node *nodes, uint64_t n)
{
    int rc = CT_OK;
    for (uint64_t k = 0; k < n && rc == CT_OK; k++) {
        const ex_node *nd = &nodes[k];
        unsigned long long id = (unsigned long long)k;
        val v[NODE_COLS];
        node_vals(v, nd);
        switch (w->fmt) {
        case CT_EXPORT_GRAPHML:
            fprintf(f, "    <node id=\"n%llu\">\n", id);
            rc = graphml_data(w, f, 'n', node_cols, v, NODE_COLS);
            fputs("    </node>\n", f);
            break;
        case CT_EXPORT_GEXF:
            fprintf(f, "      <node id=\"n%llu\" label=\"", id);
            ex_put_xml(f, cleaned(w, node_caption(nd), &rc));
            fputs("\">\n", f);
            if (rc == CT_OK)
                rc = gexf_attvalues(w, f, node_cols, v, NODE_COLS);
            fputs("      </node>\n", f);
            break;
        case CT_EXPORT_DOT:
            fprintf(f, "  \"n%llu\" [label=\"", id);
            ex_put_dot(f, cleaned(w, node_caption(nd), &rc));
            fputc('"', f);
            if (rc == CT_OK)
                rc = dot_attrs(w, f, node_cols, v, NODE_COLS);
            fputs("];\n", f);
            break;
        case CT_EXPORT_CYTOSCAPE:
            fprintf(f, "%s\n{\"data\":{\"id\":\"n%llu\"", k ? "," : "", id);
            rc = json_members(w, f, node_cols, v, NODE_COLS, w->schema.big_values);
            fputs("}}", f);
            break;
        case CT_EXPORT_NEO4J:
            fprintf(f, "n%llu,%s", id, w->schema.node_space);
            rc = csv_fields(w, f, v, NODE_COLS);
            fputc('\n', f);
            break;
        case CT_EXPORT_CSV:
            fprintf(f, "n%llu", id);
            rc = csv_fields(w, f, v, NODE_COLS);
            fputc('\n', f);
            break;
        default:
            rc = CT_EINVAL;
        }
    }
    return rc;
}

static int copy_spool(FILE *dst, FILE *spool)
{
    if (fflush(spool) != 0 || ferror(spool) || fseek(spool, 0, SEEK_SET) != 0)
        return CT_EIO;
    char buf[1 << 16];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), spool)) > 0)
        if (fwrite(buf, 1, n, dst) != n)
            return CT_EIO;
    return ferror(spool) ? CT_EIO : CT_OK;
}

static void neo4j_readme(const ex_writer *w, FILE *f)
{
    fprintf(f,
            "# chaintrail export for Neo4j\n\n"
            "`nodes.csv` holds the nodes (ID space `%s`, label `%s`) and `relationships.csv`\n"
            "the relationships (type `%s`), with the headers of `neo4j-admin database import`.\n"
            "Copy both files into the import directory of a stopped Neo4j 5 server and run:\n\n"
            "```sh\n"
            "neo4j-admin database import full --nodes=import/nodes.csv \\\n"
            "    --relationships=import/relationships.csv --overwrite-destination neo4j\n"
            "```\n\n"
            "Values are integers (`value:long`) for Bitcoin and decimal strings for Ethereum\n"
            "(wei and token units exceed 64 bits); times are `datetime` in UTC. Text is quoted,\n"
            "without newlines, and a leading `= + - @` has a `'` before it. See docs/export.md.\n",
            w->schema.node_space, w->schema.node_space, w->schema.rel_type);
}

int ex_writer_finish(ex_writer *w, const ex_node *nodes, uint64_t n, ct_error *err)
{
    int rc = CT_OK;
    FILE *f = NULL;
    bool dir = ct_export_format_is_dir(w->fmt);
    if (dir) {
        FILE *edges = w->spool;
        w->spool = NULL;
        rc = ex_out_close_file(edges, "the edges file", err);
        if (rc == CT_OK)
            rc = ex_out_create(&w->out, &f, "nodes.csv", err);
    } else {
        rc = ex_out_create(&w->out, &f, NULL, err);
    }
    if (rc != CT_OK)
        goto fail;
    switch (w->fmt) {
    case CT_EXPORT_GRAPHML:
        graphml_header(w, f);
        break;
    case CT_EXPORT_GEXF:
        gexf_header(w, f);
        fprintf(f, "    <nodes count=\"%llu\">\n", (unsigned long long)n);
        break;
    case CT_EXPORT_DOT:
        /* splines=curved: Graphviz 2.42's spline router warns "Unable to reclaim box
         * space" on many edges fanning into one node, and a warning is a wrong picture */
        fputs("digraph \"chaintrail\" {\n  splines=curved;\n  node [shape=box];\n", f);
        break;
    case CT_EXPORT_CYTOSCAPE:
        fputs("{\"elements\":{\"nodes\":[", f);
        break;
    case CT_EXPORT_NEO4J:
        fprintf(f, "id:ID(%s),:LABEL", w->schema.node_space);
        for (size_t i = 0; i < NODE_COLS; i++)
            fprintf(f, ",%s%s", node_cols[i], neo4j_type(node_type(w, i)));
        fputc('\n', f);
        break;
    case CT_EXPORT_CSV:
        fputs("id", f);
        for (size_t i = 0; i < NODE_COLS; i++)
            fprintf(f, ",%s", node_cols[i]);
        fputc('\n', f);
        break;
    default:
        break;
    }
    rc = write_nodes(w, f, nodes, n);
    if (rc != CT_OK) {
        ct_fail(err, rc, "out-of-memory", "out of memory");
        goto fail;
    }
    if (!dir) {
        switch (w->fmt) {
        case CT_EXPORT_GEXF:
            fprintf(f, "    </nodes>\n    <edges count=\"%llu\">\n",
                    (unsigned long long)w->n_edges);
            break;
        case CT_EXPORT_CYTOSCAPE:
            fputs("\n],\"edges\":[", f);
            break;
        default:
            break;
        }
        if (copy_spool(f, w->spool) != CT_OK) {
            rc = ct_fail(err, CT_EIO, "cannot-write", "cannot copy the spooled edges");
            goto fail;
        }
        switch (w->fmt) {
        case CT_EXPORT_GRAPHML:
            fputs("  </graph>\n</graphml>\n", f);
            break;
        case CT_EXPORT_GEXF:
            fputs("    </edges>\n  </graph>\n</gexf>\n", f);
            break;
        case CT_EXPORT_DOT:
            fputs("}\n", f);
            break;
        case CT_EXPORT_CYTOSCAPE:
            fputs("\n]}}\n", f);
            break;
        default:
            break;
        }
    }
    rc = ex_out_close_file(f, w->out.path, err);
    f = NULL;
    if (rc == CT_OK && w->fmt == CT_EXPORT_NEO4J) {
        rc = ex_out_create(&w->out, &f, "README.md", err);
        if (rc == CT_OK) {
            neo4j_readme(w, f);
            rc = ex_out_close_file(f, "README.md", err);
            f = NULL;
        }
    }
    if (rc == CT_OK)
        rc = ex_out_commit(&w->out, err);
fail:
    if (f)
        fclose(f);
    if (rc != CT_OK) {
        ex_writer_abort(w);
        return rc;
    }
    if (w->spool)
        fclose(w->spool);
    ex_out_release(&w->out);
    ct_buf_release(&w->clean);
    free(w);
    return CT_OK;
}

void ex_writer_abort(ex_writer *w)
{
    if (!w)
        return;
    if (w->spool)
        fclose(w->spool);
    ex_out_abort(&w->out);
    ct_buf_release(&w->clean);
    free(w);
}

/* ---- names ---- */
static const char *const format_names[CT_EXPORT_FORMATS] = {"graphml", "gexf",      "dot",
                                                            "neo4j",   "cytoscape", "csv"};

const char *ct_export_format_name(ct_export_format f)
{
    return (unsigned)f < CT_EXPORT_FORMATS ? format_names[f] : NULL;
}

int ct_export_format_from_name(ct_export_format *out, const char *name)
{
    for (unsigned i = 0; name && i < CT_EXPORT_FORMATS; i++) {
        if (strcmp(name, format_names[i]) == 0) {
            *out = (ct_export_format)i;
            return CT_OK;
        }
    }
    return CT_EINVAL;
}

bool ct_export_format_is_dir(ct_export_format f)
{
    return f == CT_EXPORT_NEO4J || f == CT_EXPORT_CSV;
}

int ex_trace_end(ex_writer *w, int rc, ex_tnode *nodes, uint64_t n, void *edges,
                 struct ct_hmap *nidx, struct ct_hmap *eidx, ct_error *err)
{
    if (rc == CT_OK) {
        ex_node *out = calloc(n ? n : 1, sizeof(*out));
        if (!out) {
            rc = ct_fail(err, CT_ENOMEM, "out-of-memory", "out of memory during the export");
        } else {
            for (uint64_t i = 0; i < n; i++) {
                const ex_tnode *t = &nodes[i];
                out[i] = (ex_node){t->kind,     t->address,
                                   t->label,    t->category,
                                   t->cluster,  t->value,
                                   t->has_time, t->height,
                                   t->time,     strcmp(t->kind, "tx") == 0 ? t->txid : ""};
            }
            rc = ex_writer_finish(w, out, n, err);
            w = NULL;
            free(out);
        }
    }
    ex_writer_abort(w);
    free(nodes);
    free(edges);
    ct_hmap_release(nidx);
    ct_hmap_release(eidx);
    return rc;
}
