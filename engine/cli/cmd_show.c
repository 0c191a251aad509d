/* `chaintrail show address|tx|block`: one object of the graph, as JSON (default) or text.
 *
 * show address A [--txs] [--limit N] [--after CURSOR]: totals, first and last seen, the
 * linked key form, and with --txs the history in chain order (streamed: memory does not
 * grow with the history). show tx TXID: inputs with their previous outputs, fee, outputs
 * with their spending transactions. show block HEIGHT|HASH: header, status, txids. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

typedef struct show_opts {
    const char *format;
    bool json;
    bool txs;
    uint64_t limit; /* 0: no limit */
    const char *after;
    const char *coin;
    bool addresses; /* show cluster: list the members */
} show_opts;

/* ---- show address ---- */
/* An address of `net` (NULL: any network), or the identity of an output without one
 * (script:<hex>, script-<key>), checked as every command checks it (cli_source). */
static int check_address(const char *a, const ct_btc_params *net)
{
    ct_case_source s;
    int rc = cli_source("show", NULL, a, net, &s);
    if (rc == CT_EXIT_OK && s.kind != CT_CASE_ADDRESS && s.kind != CT_CASE_SCRIPT) {
        cli_error("show", "'%s' is not an address (see 'show tx' for a transaction)", a);
        rc = CT_EXIT_USAGE;
    }
    return rc;
}

static void print_seen_json(FILE *f, const char *name, const ct_graph_address *a,
                            const ct_graph_seen *s)
{
    fprintf(f, ",\"%s\":", name);
    if (!a->has_seen) {
        fputs("null", f);
        return;
    }
    fprintf(f, "{\"height\":%u,\"time\":%u,\"txid\":\"", s->height, s->time);
    cli_print_hash(f, s->txid);
    fputs("\"}", f);
}

static void print_address_json(FILE *f, const ct_graph_address *a, const ct_label_list *l)
{
    fputs("{\"address\":", f);
    cli_json_string(f, a->address);
    /* 128-bit totals: numbers up to 2^53, decimal strings beyond (docs/cli.md) */
    fprintf(f, ",\"type\":\"%s\",\"received_sat\":", ct_btc_script_type_name(a->type));
    cli_json_amount(f, a->received_sat);
    fputs(",\"sent_sat\":", f);
    cli_json_amount(f, a->sent_sat);
    fputs(",\"balance_sat\":", f);
    cli_json_amount(f, a->balance_sat);
    fprintf(f, ",\"tx_count\":%llu,\"outputs\":%llu,\"unspent_outputs\":%llu",
            (unsigned long long)a->tx_count, (unsigned long long)a->outputs,
            (unsigned long long)a->unspent_outputs);
    print_seen_json(f, "first_seen", a, &a->first);
    print_seen_json(f, "last_seen", a, &a->last);
    fputs(",\"linked_address\":", f);
    cli_json_string_or_null(f, a->linked);
    if (a->cluster_size)
        fprintf(f, ",\"cluster_id\":%llu,\"cluster_size\":%llu", (unsigned long long)a->cluster_id,
                (unsigned long long)a->cluster_size);
    else
        fputs(",\"cluster_id\":null,\"cluster_size\":null", f);
    cli_labels_json(f, l);
}

static void print_seen_text(FILE *f, const char *label, const ct_graph_seen *s)
{
    fprintf(f, "%-15sheight %u, ", label, s->height);
    cli_print_time(f, s->time);
    fputs(", tx ", f);
    cli_print_hash(f, s->txid);
    fputc('\n', f);
}

static void print_address_text(FILE *f, const ct_graph_address *a, const ct_label_list *l,
                               const char *coin)
{
    fprintf(f, "address        %s\ntype           %s\n", a->address,
            ct_btc_script_type_name(a->type));
    if (a->linked[0])
        fprintf(f, "linked         %s (the same key)\n", a->linked);
    if (a->cluster_size)
        fprintf(f, "cluster        %llu (%llu address%s)\n", (unsigned long long)a->cluster_id,
                (unsigned long long)a->cluster_size, a->cluster_size == 1 ? "" : "es");
    fputs("received       ", f);
    cli_print_coin128(f, a->received_sat);
    fprintf(f, " %s in %llu outputs\nsent           ", coin, (unsigned long long)a->outputs);
    cli_print_coin128(f, a->sent_sat);
    fprintf(f, " %s\nbalance        ", coin);
    cli_print_coin128(f, a->balance_sat);
    fprintf(f, " %s in %llu unspent outputs\ntransactions   %llu\n", coin,
            (unsigned long long)a->unspent_outputs, (unsigned long long)a->tx_count);
    if (a->has_seen) {
        print_seen_text(f, "first seen", &a->first);
        print_seen_text(f, "last seen", &a->last);
    }
    if (l->count)
        fprintf(f, "labels         %zu\n", l->count);
    for (size_t i = 0; i < l->count; i++)
        cli_label_text(f, "  ", &l->items[i]);
}

static void print_entry_json(FILE *f, const ct_graph_entry *e, bool comma)
{
    fputs(comma ? ",{\"txid\":\"" : "{\"txid\":\"", f);
    cli_print_hash(f, e->txid);
    fprintf(f,
            "\",\"height\":%u,\"time\":%u,\"direction\":\"%s\",\"index\":%u,\"value_sat\":%llu,"
            "\"cursor\":\"%s\"}",
            e->height, e->time, e->direction == CT_GRAPH_RECEIVED ? "received" : "sent", e->index,
            (unsigned long long)e->value, e->cursor);
}

static void print_entry_text(FILE *f, const ct_graph_entry *e, const char *coin)
{
    fputs("  ", f);
    cli_print_time(f, e->time);
    fprintf(f, "  %7u  ", e->height);
    cli_print_hash(f, e->txid);
    fprintf(f, "  %-3s %-5u %c", e->direction == CT_GRAPH_RECEIVED ? "out" : "in", e->index,
            e->direction == CT_GRAPH_RECEIVED ? '+' : '-');
    cli_print_coin(f, e->value);
    fprintf(f, " %s\n", coin);
}

/* Streams the history: at most o->limit entries (0: all), then the cursor to go on with. */
static int print_history(FILE *f, ct_graph_history *h, const show_opts *o)
{
    ct_graph_entry e;
    ct_error err;
    char last[CT_GRAPH_CURSOR_MAX] = "";
    uint64_t n = 0;
    bool more = false;
    int rc;
    ct_error_clear(&err);
    fputs(o->json ? ",\"history\":[" : "history\n", f);
    while ((rc = ct_graph_history_next(h, &e, &err)) == CT_OK) {
        if (o->limit && n == o->limit) {
            more = true;
            break;
        }
        if (o->json)
            print_entry_json(f, &e, n > 0);
        else
            print_entry_text(f, &e, o->coin);
        memcpy(last, e.cursor, sizeof(last));
        n++;
    }
    if (rc != CT_OK && rc != CT_EEOF) {
        if (o->json)
            fputs("]}\n", f);
        return cli_db_fail("show", rc, &err);
    }
    if (o->json) {
        fputs("],\"next\":", f);
        cli_json_string_or_null(f, more ? last : NULL);
    } else if (more) {
        fprintf(f, "next           %s\n", last);
    }
    return CT_EXIT_OK;
}

static int show_address(ct_db *db, const char *address, const show_opts *o)
{
    ct_graph_history *h = NULL;
    ct_graph_address a;
    ct_error err;
    int rc;
    if ((rc = check_address(address, cli_db_network(db))))
        return rc;
    ct_error_clear(&err);
    if ((rc = ct_graph_address_get(db, &a, address, &err)))
        return cli_db_fail("show", rc, &err);
    ct_label_list l;
    ct_label_list_init(&l);
    if ((rc = ct_labels_get(db, &l, a.address, &err))) {
        ct_graph_address_release(&a);
        return cli_db_fail("show", rc, &err);
    }
    /* Open the history (and check the cursor) before anything is printed. */
    if (o->txs && (rc = ct_graph_history_new(&h, db, address, o->after, &err))) {
        ct_graph_address_release(&a);
        ct_label_list_release(&l);
        if (rc == CT_EINVAL) {
            cli_error("show", "option '--after': %s", err.detail);
            return CT_EXIT_USAGE;
        }
        return cli_db_fail("show", rc, &err);
    }
    if (o->json)
        print_address_json(stdout, &a, &l);
    else
        print_address_text(stdout, &a, &l, o->coin);
    ct_graph_address_release(&a);
    ct_label_list_release(&l);
    rc = h ? print_history(stdout, h, o) : CT_EXIT_OK;
    ct_graph_history_free(h);
    if (rc == CT_EXIT_OK && o->json)
        fputs("}\n", stdout);
    return rc;
}

/* ---- show cluster ---- */
#define CLUSTER_LOG_PAGE 100

static void print_cluster_seen_json(FILE *f, const char *name, const ct_cluster_info *c,
                                    const ct_graph_seen *s)
{
    fprintf(f, ",\"%s\":", name);
    if (!c->has_seen) {
        fputs("null", f);
        return;
    }
    fprintf(f, "{\"height\":%u,\"time\":%u,\"txid\":\"", s->height, s->time);
    cli_print_hash(f, s->txid);
    fputs("\"}", f);
}

/* The labels of every member: "labels":[{"member","source","label","category",
 * "confidence"}] or the text lines. */
static int print_cluster_labels(FILE *f, ct_db *db, uint64_t cid, const show_opts *o, ct_error *err)
{
    ct_cluster_members *m;
    ct_labels_reader *lr;
    ct_label_list l;
    int rc = ct_cluster_members_labelled_new(&m, db, cid, err);
    if (rc)
        return rc;
    if ((rc = ct_labels_reader_new(&lr, db, err))) {
        ct_cluster_members_free(m);
        return rc;
    }
    ct_label_list_init(&l);
    const char *addr;
    uint64_t id;
    size_t shown = 0;
    fputs(o->json ? ",\"labels\":[" : "labels\n", f);
    while ((rc = ct_cluster_members_next(m, &addr, &id, err)) == CT_OK) {
        if ((rc = ct_labels_reader_get(lr, &l, addr, err)))
            break;
        for (size_t i = 0; i < l.count; i++, shown++) {
            const ct_label *x = &l.items[i];
            if (o->json) {
                fputs(shown ? ",{\"member\":" : "{\"member\":", f);
                cli_json_string(f, addr);
                fputs(",\"source\":", f);
                cli_json_string(f, x->source);
                fputs(",\"label\":", f);
                cli_json_string(f, x->label);
                fprintf(f, ",\"category\":\"%s\",\"confidence\":%u}",
                        ct_label_category_name(x->category), x->confidence);
            } else {
                fprintf(f, "  %s  %s: ", addr, ct_label_category_name(x->category));
                cli_json_string(f, x->label); /* quoted and escaped: label text is untrusted */
                fputs(" (source ", f);
                cli_json_string(f, x->source);
                fputs(")\n", f);
            }
        }
    }
    if (rc == CT_EEOF)
        rc = CT_OK;
    if (o->json)
        fputc(']', f);
    else if (!shown)
        fputs("  none\n", f);
    ct_label_list_release(&l);
    ct_labels_reader_free(lr);
    ct_cluster_members_free(m);
    return rc;
}

static int print_cluster_members(FILE *f, ct_db *db, uint64_t cid, const show_opts *o,
                                 ct_error *err)
{
    ct_cluster_members *m;
    int rc = ct_cluster_members_new(&m, db, cid, err);
    if (rc)
        return rc;
    const char *addr;
    uint64_t id;
    size_t n = 0;
    fputs(o->json ? ",\"addresses\":[" : "addresses\n", f);
    while ((rc = ct_cluster_members_next(m, &addr, &id, err)) == CT_OK) {
        if (o->json) {
            if (n++)
                fputc(',', f);
            cli_json_string(f, addr);
        } else {
            fprintf(f, "  %s\n", addr);
        }
    }
    if (rc == CT_EEOF)
        rc = CT_OK;
    if (o->json)
        fputc(']', f);
    ct_cluster_members_free(m);
    return rc;
}

static int show_cluster(ct_db *db, const char *arg, const show_opts *o)
{
    ct_error err;
    ct_cluster_info c;
    uint64_t id = 0, offset = 0;
    int rc;
    ct_error_clear(&err);
    bool by_id = arg[0] >= '0' && arg[0] <= '9' && strspn(arg, "0123456789") == strlen(arg);
    if (by_id && (!cli_parse_u64(arg, &id) || id == 0)) {
        cli_error("show", "'%s' is not a cluster id (a whole number from 1)", arg);
        return CT_EXIT_USAGE;
    }
    if (!by_id && (rc = check_address(arg, cli_db_params(db))))
        return rc;
    if (o->after && (!cli_parse_u64(o->after, &offset))) {
        cli_error("show", "option '--after': '%s' is not a number of merge log entries", o->after);
        return CT_EXIT_USAGE;
    }
    size_t page = o->limit ? (o->limit < 100000 ? (size_t)o->limit : 100000) : CLUSTER_LOG_PAGE;
    ct_cluster_merge *log = malloc(page * sizeof(*log));
    if (!log) {
        cli_error("show", "out of memory");
        return CT_EXIT_FAILURE;
    }
    if ((rc = ct_cluster_get(db, by_id ? NULL : arg, id, &c, &err))) {
        free(log);
        if (rc == CT_EINVAL && strcmp(err.reason, "no-clusters") == 0) {
            cli_error("show", "%s", err.detail);
            return CT_EXIT_USAGE;
        }
        return cli_db_fail("show", rc, &err);
    }
    size_t n = 0, total = 0;
    rc = ct_cluster_merges(db, c.cluster_id, (size_t)offset, log, page, &n, &total, &err);
    FILE *f = stdout;
    if (rc == CT_OK && o->json) {
        fprintf(f, "{\"cluster_id\":%llu,\"address\":", (unsigned long long)c.cluster_id);
        cli_json_string(f, c.address);
        fprintf(f,
                ",\"size\":%llu,\"received_sat\":%llu,\"sent_sat\":%llu,\"balance_sat\":%llu,"
                "\"tx_count\":%llu",
                (unsigned long long)c.size, (unsigned long long)c.received_sat,
                (unsigned long long)c.sent_sat, (unsigned long long)c.balance_sat,
                (unsigned long long)c.tx_count);
        print_cluster_seen_json(f, "first_seen", &c, &c.first);
        print_cluster_seen_json(f, "last_seen", &c, &c.last);
    } else if (rc == CT_OK) {
        fprintf(f, "cluster        %llu (the id of %s)\nsize           %llu address%s\n",
                (unsigned long long)c.cluster_id, c.address, (unsigned long long)c.size,
                c.size == 1 ? "" : "es");
        fputs("received       ", f);
        cli_print_coin(f, c.received_sat);
        fprintf(f, " %s\nsent           ", o->coin);
        cli_print_coin(f, c.sent_sat);
        fprintf(f, " %s\nbalance        ", o->coin);
        cli_print_coin(f, c.balance_sat);
        fprintf(f, " %s\n", o->coin);
        if (c.has_seen) {
            print_seen_text(f, "first seen", &c.first);
            print_seen_text(f, "last seen", &c.last);
        }
    }
    if (rc == CT_OK)
        rc = print_cluster_labels(f, db, c.cluster_id, o, &err);
    if (rc == CT_OK) {
        if (o->json)
            fprintf(f, ",\"merges\":{\"total\":%zu,\"after\":%llu,\"entries\":[", total,
                    (unsigned long long)offset);
        else
            fprintf(f, "merges         %zu (entries %llu to %llu)\n", total,
                    (unsigned long long)(n ? offset + 1 : offset),
                    (unsigned long long)(offset + n));
        for (size_t i = 0; i < n; i++) {
            const ct_cluster_merge *e = &log[i];
            if (o->json) {
                fprintf(f, "%s{\"height\":%u,\"txid\":\"", i ? "," : "", e->height);
                cli_print_hash(f, e->txid);
                fprintf(f,
                        "\",\"kept_id\":%llu,\"kept_size\":%llu,\"absorbed_id\":%llu,"
                        "\"absorbed_size\":%llu}",
                        (unsigned long long)e->kept_id, (unsigned long long)e->kept_size,
                        (unsigned long long)e->absorbed_id, (unsigned long long)e->absorbed_size);
            } else {
                fprintf(f, "  height %u  tx ", e->height);
                cli_print_hash(f, e->txid);
                fprintf(f, "  %llu (%llu) took in %llu (%llu)\n", (unsigned long long)e->kept_id,
                        (unsigned long long)e->kept_size, (unsigned long long)e->absorbed_id,
                        (unsigned long long)e->absorbed_size);
            }
        }
        bool more = offset + n < total;
        if (o->json) {
            fputs("],\"next_after\":", f);
            if (more)
                fprintf(f, "%llu}", (unsigned long long)(offset + n));
            else
                fputs("null}", f);
        } else if (more) {
            fprintf(f, "  more: --after %llu\n", (unsigned long long)(offset + n));
        }
    }
    if (rc == CT_OK && o->addresses)
        rc = print_cluster_members(f, db, c.cluster_id, o, &err);
    if (rc == CT_OK && o->json)
        fputs("}\n", f);
    ct_cluster_info_release(&c);
    free(log);
    return rc ? cli_db_fail("show", rc, &err) : CT_EXIT_OK;
}

/* ---- show tx ---- */
/* The labels of every input's and output's address: lists[0..n_in) then [n_in..n_in+n_out),
 * empty for no address. */
typedef struct tx_labels {
    ct_label_list *lists;
    size_t n;
} tx_labels;

static void tx_labels_release(tx_labels *t)
{
    for (size_t i = 0; i < t->n; i++)
        ct_label_list_release(&t->lists[i]);
    free(t->lists);
}

static int tx_labels_get(ct_db *db, const ct_graph_tx *tx, tx_labels *t, ct_error *err)
{
    t->n = (size_t)tx->n_in + tx->n_out;
    t->lists = calloc(t->n ? t->n : 1, sizeof(*t->lists));
    if (!t->lists) {
        t->n = 0;
        return CT_ENOMEM;
    }
    for (size_t i = 0; i < t->n; i++)
        ct_label_list_init(&t->lists[i]);
    ct_labels_reader *r = NULL;
    int rc = ct_labels_reader_new(&r, db, err);
    for (size_t i = 0; rc == CT_OK && i < t->n; i++) {
        const char *a = i < tx->n_in
                            ? (tx->in[i].known && !tx->in[i].coinbase ? tx->in[i].address : "")
                            : tx->out[i - tx->n_in].address;
        if (a[0])
            rc = ct_labels_reader_get(r, &t->lists[i], a, err);
    }
    if (r)
        ct_labels_reader_free(r);
    return rc;
}

/* "change": the change heuristics' verdicts (docs/show.md). */
static void print_change_json(FILE *f, const ct_graph_tx_change_verdicts *cv)
{
    if (!cv->judged) {
        fputs(",\"change\":null", f);
        return;
    }
    fputs(",\"change\":[", f);
    for (unsigned h = 0; h < CT_GRAPH_CHANGE_N; h++) {
        const ct_graph_change_verdict *c = &cv->change[h];
        fprintf(f, "%s{\"heuristic\":\"%s\"", h ? "," : "", c->heuristic);
        if (!c->judged)
            fputs(",\"judged\":false,\"output\":null,\"candidates\":null,\"confidence\":null}", f);
        else if (c->output < 0)
            fprintf(f, ",\"judged\":true,\"output\":null,\"candidates\":%u,\"confidence\":0}",
                    c->candidates);
        else
            fprintf(f, ",\"judged\":true,\"output\":%ld,\"candidates\":%u,\"confidence\":%u}",
                    c->output, c->candidates, c->confidence);
    }
    fputc(']', f);
}

static void print_change_text(FILE *f, const ct_graph_tx_change_verdicts *cv)
{
    for (unsigned h = 0; h < CT_GRAPH_CHANGE_N && cv->judged; h++) {
        const ct_graph_change_verdict *c = &cv->change[h];
        fprintf(f, "  change    %-15s ", c->heuristic);
        if (!c->judged)
            fputs("not judged (not stored)\n", f);
        else if (c->output < 0)
            fprintf(f, "none (%u candidates)\n", c->candidates);
        else
            fprintf(f, "out %ld, confidence %u/1000\n", c->output, c->confidence);
    }
}

static void print_tx_json(FILE *f, const ct_graph_tx *tx, const tx_labels *tl)
{
    fputs("{\"txid\":\"", f);
    cli_print_hash(f, tx->txid);
    fprintf(f, "\",\"height\":%u,\"block_hash\":\"", tx->height);
    cli_print_hash(f, tx->block_hash);
    fprintf(f, "\",\"block_time\":%u,\"index\":%u,\"coinbase\":%s,\"size\":%u,\"weight\":%u",
            tx->block_time, tx->index, tx->coinbase ? "true" : "false", tx->size, tx->weight);
    if (tx->fee_known)
        fprintf(f, ",\"fee_sat\":%llu", (unsigned long long)tx->fee);
    else
        fputs(",\"fee_sat\":null", f);
    fputs(",\"inputs\":[", f);
    for (uint32_t i = 0; i < tx->n_in; i++) {
        const ct_graph_input *in = &tx->in[i];
        fprintf(f, "%s{\"vin\":%u", i ? "," : "", i);
        if (in->coinbase) {
            fputs(",\"coinbase\":true}", f);
            continue;
        }
        fputs(",\"prev_txid\":\"", f);
        cli_print_hash(f, in->prev_txid);
        fprintf(f, "\",\"prev_vout\":%u,\"prevout_unknown\":%s", in->prev_vout,
                in->known ? "false" : "true");
        if (in->known)
            fprintf(f, ",\"value_sat\":%llu,\"address\":", (unsigned long long)in->value);
        else
            fputs(",\"value_sat\":null,\"address\":", f);
        cli_json_string_or_null(f, in->address);
        cli_labels_json(f, &tl->lists[i]);
        fputc('}', f);
    }
    fputs("],\"outputs\":[", f);
    for (uint32_t j = 0; j < tx->n_out; j++) {
        const ct_graph_output *o = &tx->out[j];
        fprintf(f, "%s{\"n\":%u,\"value_sat\":%llu,\"type\":\"%s\",\"address\":", j ? "," : "", j,
                (unsigned long long)o->value, ct_btc_script_type_name(o->type));
        cli_json_string_or_null(f, o->address);
        cli_labels_json(f, &tl->lists[tx->n_in + j]);
        if (o->type == CT_BTC_NULLDATA) {
            fputs(",\"data\":\"", f);
            cli_print_hex(f, o->data, o->data_len);
            fputc('"', f);
        }
        fputs(",\"spent_by\":", f);
        if (o->spent && !o->overwritten) {
            fputs("{\"txid\":\"", f);
            cli_print_hash(f, o->spent_by_txid);
            fprintf(f, "\",\"vin\":%u}", o->spent_by_vin);
        } else {
            fputs("null", f);
        }
        fprintf(f, ",\"overwritten\":%s}", o->overwritten ? "true" : "false");
    }
    fputc(']', f); /* the caller closes the object */
}

static void print_tx_text(FILE *f, const ct_graph_tx *tx, const tx_labels *tl, const char *coin)
{
    fputs("tx ", f);
    cli_print_hash(f, tx->txid);
    fprintf(f, "\n  block %u index %u, ", tx->height, tx->index);
    cli_print_hash(f, tx->block_hash);
    fputs(", ", f);
    cli_print_time(f, tx->block_time);
    fprintf(f, "\n  %u bytes, weight %u%s, fee ", tx->size, tx->weight,
            tx->coinbase ? ", coinbase" : "");
    if (tx->fee_known) {
        cli_print_coin(f, tx->fee);
        fprintf(f, " %s\n", coin);
    } else {
        fputs(tx->coinbase ? "none\n" : "unknown (prevout unknown)\n", f);
    }
    for (uint32_t i = 0; i < tx->n_in && !tx->coinbase; i++) {
        const ct_graph_input *in = &tx->in[i];
        fprintf(f, "  in  %-4u ", i);
        cli_print_hash(f, in->prev_txid);
        fprintf(f, ":%u  ", in->prev_vout);
        if (!in->known) {
            fputs("prevout unknown\n", f);
            continue;
        }
        cli_print_coin(f, in->value);
        fprintf(f, " %s  %s\n", coin, in->address[0] ? in->address : "(no address)");
        for (size_t k = 0; k < tl->lists[i].count; k++)
            cli_label_text(f, "            label ", &tl->lists[i].items[k]);
    }
    for (uint32_t j = 0; j < tx->n_out; j++) {
        const ct_graph_output *o = &tx->out[j];
        fprintf(f, "  out %-4u ", j);
        cli_print_coin(f, o->value);
        fprintf(f, " %s  %s  ", coin, ct_btc_script_type_name(o->type));
        if (o->type == CT_BTC_NULLDATA) {
            fputs("data ", f);
            cli_print_hex(f, o->data, o->data_len);
        } else {
            fputs(o->address, f);
        }
        if (o->overwritten) {
            fputs("  overwritten (duplicate txid)", f);
        } else if (o->spent) {
            fputs("  spent by ", f);
            cli_print_hash(f, o->spent_by_txid);
            fprintf(f, ":%u", o->spent_by_vin);
        } else {
            fputs("  unspent", f);
        }
        fputc('\n', f);
        const ct_label_list *ol = &tl->lists[tx->n_in + j];
        for (size_t k = 0; k < ol->count; k++)
            cli_label_text(f, "            label ", &ol->items[k]);
    }
}

static int show_tx(ct_db *db, const char *arg, const show_opts *o)
{
    uint8_t txid[32];
    if (strlen(arg) != 64 || ct_hash_from_hex(txid, arg) != CT_OK) {
        cli_error("show", "'%s' is not a txid (64 hex digits)", arg);
        return CT_EXIT_USAGE;
    }
    ct_graph_tx tx;
    ct_error err;
    ct_error_clear(&err);
    int rc = ct_graph_tx_get(db, &tx, txid, &err);
    if (rc)
        return cli_db_fail("show", rc, &err);
    tx_labels tl = {NULL, 0};
    if ((rc = tx_labels_get(db, &tx, &tl, &err))) {
        tx_labels_release(&tl);
        ct_graph_tx_release(&tx);
        return rc == CT_ENOMEM ? (cli_error("show", "out of memory"), CT_EXIT_FAILURE)
                               : cli_db_fail("show", rc, &err);
    }
    ct_cluster_verdict v;
    if ((rc = ct_cluster_tx_verdict(db, txid, &v, &err))) {
        tx_labels_release(&tl);
        ct_graph_tx_release(&tx);
        return cli_db_fail("show", rc, &err);
    }
    ct_graph_tx_change_verdicts cv;
    if ((rc = ct_graph_tx_change(db, &tx, &cv, &err))) {
        tx_labels_release(&tl);
        ct_graph_tx_release(&tx);
        return cli_db_fail("show", rc, &err);
    }
    if (o->json) {
        print_tx_json(stdout, &tx, &tl);
        /* the CoinJoin verdict closes the object (docs/clustering.md) */
        fputs(",\"coinjoin\":{\"detector\":", stdout);
        cli_json_string_or_null(stdout,
                                v.detector >= 0 ? ct_cluster_detector_name(v.detector) : NULL);
        fputs(",\"veto\":", stdout);
        cli_json_string_or_null(stdout, v.veto);
        fputc('}', stdout);
        print_change_json(stdout, &cv);
        fputs("}\n", stdout);
    } else {
        print_tx_text(stdout, &tx, &tl, o->coin);
        if (v.detector >= 0)
            printf("  coinjoin: yes (%s): merges no addresses\n",
                   ct_cluster_detector_name(v.detector));
        else if (v.veto)
            printf("  coinjoin: no (%s)\n", v.veto);
        print_change_text(stdout, &cv);
    }
    tx_labels_release(&tl);
    ct_graph_tx_release(&tx);
    return CT_EXIT_OK;
}

/* ---- show block ---- */
static void print_block_json(FILE *f, const ct_graph_block *b)
{
    fputs("{\"hash\":\"", f);
    cli_print_hash(f, b->hash);
    fputs("\",\"height\":", f);
    if (b->has_height)
        fprintf(f, "%u", b->height);
    else
        fputs("null", f);
    fprintf(f, ",\"status\":\"%s\",\"version\":%d,\"prev_hash\":\"",
            ct_graph_block_status_name(b->status), b->version);
    cli_print_hash(f, b->prev_hash);
    fputs("\",\"merkle_root\":\"", f);
    cli_print_hash(f, b->merkle_root);
    fprintf(f, "\",\"time\":%u,\"bits\":\"%08x\",\"nonce\":%u,\"tx_count\":", b->time, b->bits,
            b->nonce);
    if (b->has_txs)
        fprintf(f, "%u", b->tx_count);
    else
        fputs("null", f);
}

static void print_block_text(FILE *f, const ct_graph_block *b)
{
    fputs("block          ", f);
    cli_print_hash(f, b->hash);
    if (b->has_height)
        fprintf(f, "\nheight         %u", b->height);
    else
        fputs("\nheight         unknown", f);
    fprintf(f, "\nstatus         %s\nprevious       ", ct_graph_block_status_name(b->status));
    cli_print_hash(f, b->prev_hash);
    fputs("\nmerkle root    ", f);
    cli_print_hash(f, b->merkle_root);
    fputs("\ntime           ", f);
    cli_print_time(f, b->time);
    fprintf(f, " (%u)\nbits           %08x\nnonce          %u\nversion        %d\n", b->time,
            b->bits, b->nonce, b->version);
    if (b->has_txs)
        fprintf(f, "transactions   %u\n", b->tx_count);
}

#define TXID_CHUNK 1024u

/* Finds the position of txid `hex` in a main-chain block: *pos is set past it. */
static int block_position_after(ct_db *db, const ct_graph_block *b, const char *hex, uint32_t *pos)
{
    uint8_t want[32];
    ct_error err;
    if (strlen(hex) != 64 || ct_hash_from_hex(want, hex) != CT_OK) {
        cli_error("show", "option '--after': '%s' is not a txid (64 hex digits)", hex);
        return CT_EXIT_USAGE;
    }
    uint8_t(*ids)[32] = malloc(TXID_CHUNK * 32);
    if (!ids) {
        cli_error("show", "out of memory");
        return CT_EXIT_FAILURE;
    }
    for (uint32_t start = 0; start < b->tx_count;) {
        size_t got;
        ct_error_clear(&err);
        int qrc = ct_graph_block_txids(db, ids, &got, b, start, TXID_CHUNK, &err);
        if (qrc) {
            free(ids);
            return cli_db_fail("show", qrc, &err);
        }
        for (size_t i = 0; i < got; i++)
            if (memcmp(ids[i], want, 32) == 0) {
                *pos = start + (uint32_t)i + 1;
                free(ids);
                return CT_EXIT_OK;
            }
        if (got == 0)
            break;
        start += (uint32_t)got;
    }
    free(ids);
    cli_error("show", "transaction %s is not in this block", hex);
    return CT_EXIT_NOTFOUND;
}

/* Streams the txids of a main-chain block from position `from`, in chunks. */
static int print_block_txids(FILE *f, ct_db *db, const ct_graph_block *b, uint32_t from,
                             const show_opts *o)
{
    uint8_t(*ids)[32] = malloc(TXID_CHUNK * 32);
    uint64_t n = 0;
    bool more = false;
    uint8_t last[32];
    ct_error err;
    if (!ids) {
        cli_error("show", "out of memory");
        return CT_EXIT_FAILURE;
    }
    fputs(o->json ? ",\"txids\":[" : "txids\n", f);
    for (uint32_t start = from; start < b->tx_count && !more;) {
        size_t got;
        ct_error_clear(&err);
        int qrc = ct_graph_block_txids(db, ids, &got, b, start, TXID_CHUNK, &err);
        if (qrc) {
            free(ids);
            if (o->json)
                fputs("]}\n", f);
            return cli_db_fail("show", qrc, &err);
        }
        for (size_t i = 0; i < got; i++) {
            if (o->limit && n == o->limit) {
                more = true;
                break;
            }
            if (o->json) {
                fputs(n ? ",\"" : "\"", f);
                cli_print_hash(f, ids[i]);
                fputc('"', f);
            } else {
                fputs("  ", f);
                cli_print_hash(f, ids[i]);
                fputc('\n', f);
            }
            memcpy(last, ids[i], 32);
            n++;
        }
        if (got == 0)
            break;
        start += (uint32_t)got;
    }
    free(ids);
    if (o->json) {
        fputs("],\"next\":", f);
        if (more) {
            fputc('"', f);
            cli_print_hash(f, last);
            fputc('"', f);
        } else {
            fputs("null", f);
        }
    } else if (more) {
        fputs("next           ", f);
        cli_print_hash(f, last);
        fputc('\n', f);
    }
    return CT_EXIT_OK;
}

static int show_block(ct_db *db, const char *arg, const show_opts *o)
{
    ct_graph_block b;
    ct_error err;
    uint64_t height;
    uint8_t hash[32];
    int rc;
    ct_error_clear(&err);
    if (strlen(arg) == 64 && ct_hash_from_hex(hash, arg) == CT_OK) {
        rc = ct_graph_block_by_hash(db, &b, hash, &err);
    } else if (cli_parse_u64(arg, &height) && height <= UINT32_MAX) {
        rc = ct_graph_block_by_height(db, &b, (uint32_t)height, &err);
    } else {
        cli_error("show", "'%s' is not a block height or hash", arg);
        return CT_EXIT_USAGE;
    }
    if (rc)
        return cli_db_fail("show", rc, &err);
    uint32_t from = 0;
    if (o->after && !b.has_txs) {
        cli_error("show", "option '--after': block %s is not on the main chain: no txids", arg);
        return CT_EXIT_USAGE;
    }
    if (o->after && (rc = block_position_after(db, &b, o->after, &from)))
        return rc;
    if (o->json)
        print_block_json(stdout, &b);
    else
        print_block_text(stdout, &b);
    if (b.has_txs) {
        if ((rc = print_block_txids(stdout, db, &b, from, o)))
            return rc;
    } else if (o->json) {
        fputs(",\"txids\":null,\"next\":null", stdout);
    }
    if (o->json)
        fputs("}\n", stdout);
    return CT_EXIT_OK;
}

/* ---- Ethereum (docs/show.md, "Ethereum") ---- */

static const char *eth_kind_name(uint8_t k)
{
    switch (k) {
    case CT_ACCT_NATIVE:
        return "native";
    case CT_ACCT_INTERNAL:
        return "internal";
    case CT_ACCT_TOKEN:
        return "token";
    case CT_ACCT_FEE_BURNT:
        return "fee_burnt";
    case CT_ACCT_FEE_PRIORITY:
        return "fee_priority";
    case CT_ACCT_REWARD:
        return "reward";
    default:
        return "?";
    }
}

typedef struct eth_show {
    ct_acct_graph g;
    const show_opts *o;
    bool first;
    uint64_t printed;
    ct_error *err;
} eth_show;

static int eth_print_event(eth_show *s, const ct_acct_event *e)
{
    char from[43] = "", to[43] = "", sym[32] = "", contract[43];
    uint8_t dec;
    bool kd;
    int rc;
    if (e->from && (rc = s->g.address_of(s->g.ctx, e->from, from, s->err)))
        return rc;
    if (e->to && (rc = s->g.address_of(s->g.ctx, e->to, to, s->err)))
        return rc;
    if ((rc = s->g.asset_info(s->g.ctx, e->asset, sym, sizeof(sym), &dec, &kd, contract, s->err)))
        return rc;
    char amount[CT_U256_DEC_MAX];
    ct_u256_to_dec(amount, sizeof(amount), &e->amount);
    bool block_level = e->at.tx_index == CT_ACCT_BLOCK_LEVEL;
    FILE *f = stdout;
    if (s->o->json) {
        fprintf(f, "%s{\"height\":%u,\"tx_index\":", s->first ? "" : ",", e->at.height);
        if (block_level)
            fputs("null", f);
        else
            fprintf(f, "%u", e->at.tx_index);
        fprintf(f, ",\"pos\":%u,\"time\":%u,\"kind\":\"%s\",\"asset\":%u,\"symbol\":", e->at.pos,
                e->time, eth_kind_name(e->kind), e->asset);
        cli_json_string(f, sym);
        fputs(",\"from\":", f);
        if (from[0])
            fprintf(f, "\"%s\"", from);
        else
            fputs("null", f);
        fputs(",\"to\":", f);
        if (to[0])
            fprintf(f, "\"%s\"", to);
        else
            fputs("null", f);
        fprintf(f, ",\"amount\":\"%s\",\"tx\":", amount);
        if (block_level) {
            fputs("null}", f);
        } else {
            fputs("\"0x", f);
            for (int i = 0; i < 32; i++)
                fprintf(f, "%02x", e->txhash[i]);
            fputs("\"}", f);
        }
    } else {
        char txi[16];
        if (block_level)
            snprintf(txi, sizeof(txi), "block");
        else
            snprintf(txi, sizeof(txi), "%u", e->at.tx_index);
        fprintf(f, "  %u/%s/%u  %-12s %s %s  %s -> %s\n", e->at.height, txi, e->at.pos,
                eth_kind_name(e->kind), amount, sym[0] ? sym : "?",
                from[0] ? from : (e->kind == CT_ACCT_REWARD ? "(new)" : "?"),
                to[0] ? to : "(fees)");
    }
    s->first = false;
    s->printed++;
    return CT_OK;
}

static int eth_event_cb(void *arg, const ct_acct_event *e)
{
    return eth_print_event(arg, e);
}

typedef struct eth_ledgers {
    eth_show *s;
    ct_u256 dummy;
    bool first;
} eth_ledgers;

static int eth_ledger_cb(void *arg, const ct_eth_ledger_totals *t)
{
    eth_ledgers *l = arg;
    eth_show *s = l->s;
    char sym[32] = "", contract[43] = "", rec[CT_U256_DEC_MAX], sent[CT_U256_DEC_MAX],
         net[CT_U256_DEC_MAX + 1];
    uint8_t dec;
    bool kd;
    int rc = s->g.asset_info(s->g.ctx, t->asset, sym, sizeof(sym), &dec, &kd, contract, s->err);
    if (rc)
        return rc;
    ct_u256_to_dec(rec, sizeof(rec), &t->received);
    ct_u256_to_dec(sent, sizeof(sent), &t->sent);
    ct_u256 d;
    if (ct_u256_cmp(&t->received, &t->sent) >= 0) {
        if (ct_u256_sub(&d, &t->received, &t->sent))
            return CT_EDBCORRUPT;
        ct_u256_to_dec(net, sizeof(net), &d);
    } else {
        if (ct_u256_sub(&d, &t->sent, &t->received))
            return CT_EDBCORRUPT;
        net[0] = '-';
        ct_u256_to_dec(net + 1, sizeof(net) - 1, &d);
    }
    FILE *f = stdout;
    if (s->o->json) {
        fprintf(f, "%s{\"asset\":%u,\"symbol\":", l->first ? "" : ",", t->asset);
        cli_json_string(f, sym);
        fputs(",\"contract\":", f);
        if (contract[0])
            fprintf(f, "\"%s\"", contract);
        else
            fputs("null", f);
        if (kd)
            fprintf(f, ",\"decimals\":%u", dec);
        else
            fputs(",\"decimals\":null", f);
        fprintf(f,
                ",\"received\":\"%s\",\"sent\":\"%s\",\"net\":\"%s\",\"events\":%llu,"
                "\"first\":[%u,%u,%u],\"last\":[%u,%u,%u]}",
                rec, sent, net, (unsigned long long)t->events, t->first.height, t->first.tx_index,
                t->first.pos, t->last.height, t->last.tx_index, t->last.pos);
    } else {
        fprintf(f, "asset %u %s%s%s: received %s, sent %s, net %s, %llu events\n", t->asset,
                sym[0] ? sym : "(no symbol)", contract[0] ? " " : "", contract, rec, sent, net,
                (unsigned long long)t->events);
    }
    l->first = false;
    return CT_OK;
}

typedef struct eth_hist {
    eth_show *s;
    uint64_t addrid;
    int rc;
} eth_hist;

static int eth_hist_asset(void *arg, uint32_t asset)
{
    eth_hist *h = arg;
    eth_show *s = h->s;
    ct_acct_event e;
    ct_acct_pos at;
    bool have = false;
    for (;;) {
        if (s->o->limit && s->printed >= s->o->limit)
            return 1;
        int rc = s->g.ledger_next(s->g.ctx, h->addrid, asset, have ? &at : NULL, &e, s->err);
        if (rc == CT_ENOTFOUND)
            return 0;
        if (rc) {
            h->rc = rc;
            return 1;
        }
        if ((rc = eth_print_event(s, &e))) {
            h->rc = rc;
            return 1;
        }
        at = e.at;
        have = true;
    }
}

static int eth_open_graph(ct_db *db, eth_show *s, ct_db_snapshot **snap)
{
    *snap = ct_db_snapshot_new(db);
    if (!*snap)
        return cli_db_fail("show", CT_ENOMEM, s->err);
    int rc = ct_acct_graph_db(&s->g, db, *snap, s->err);
    if (rc) {
        ct_db_snapshot_free(db, *snap);
        return cli_db_fail("show", rc, s->err);
    }
    return CT_EXIT_OK;
}

static int eth_show_address(ct_db *db, const char *address, const show_opts *o)
{
    ct_error err;
    ct_error_clear(&err);
    eth_show s = {{0}, o, true, 0, &err};
    ct_db_snapshot *snap;
    int rc = eth_open_graph(db, &s, &snap);
    if (rc)
        return rc;
    uint64_t addrid = 0;
    rc = s.g.addrid_of(s.g.ctx, address, &addrid, &err);
    char shown[43] = "";
    if (rc == CT_OK)
        rc = s.g.address_of(s.g.ctx, addrid, shown, &err);
    if (rc == CT_OK) {
        if (o->json)
            printf("{\"chain\":\"ethereum\",\"address\":\"%s\",\"ledgers\":[", shown);
        else
            printf("address            %s (ethereum)\n", shown);
        eth_ledgers l = {&s, {{0}}, true};
        rc = ct_eth_address_ledgers(db, address, NULL, eth_ledger_cb, &l, &err);
        if (o->json)
            fputs("]", stdout);
    }
    if (rc == CT_OK && o->txs) {
        if (o->json)
            fputs(",\"history\":[", stdout);
        else
            fputs("history\n", stdout);
        eth_hist h = {&s, addrid, CT_OK};
        rc = s.g.ledger_assets(s.g.ctx, addrid, eth_hist_asset, &h, &err);
        if (rc == 1)
            rc = h.rc;
        if (o->json)
            fputs("]", stdout);
    }
    if (rc == CT_OK && o->json)
        fputs("}\n", stdout);
    ct_acct_graph_db_free(&s.g);
    ct_db_snapshot_free(db, snap);
    return rc ? cli_db_fail("show", rc, &err) : CT_EXIT_OK;
}

static int eth_show_tx(ct_db *db, const char *arg, const show_opts *o)
{
    uint8_t hash[32];
    bool ok = true;
    for (int i = 0; i < 32 && ok; i++) {
        int hi = cli_hex_digit((unsigned char)arg[2 + 2 * i]), lo = hi < 0 ? -1 : cli_hex_digit((unsigned char)arg[3 + 2 * i]);
        ok = hi >= 0 && lo >= 0;
        hash[i] = (uint8_t)(hi << 4 | (lo & 15));
    }
    if (!ok) {
        cli_error("show", "'%s' is not an Ethereum transaction hash", arg);
        return CT_EXIT_USAGE;
    }
    ct_error err;
    ct_error_clear(&err);
    ct_eth_tx_info t;
    int rc = ct_eth_tx_get(db, &t, hash, &err);
    if (rc)
        return cli_db_fail("show", rc, &err);
    char value[CT_U256_DEC_MAX], price[CT_U256_DEC_MAX], hx[67] = "0x";
    for (int i = 0; i < 32; i++)
        snprintf(hx + 2 + 2 * i, 3, "%02x", t.hash[i]);
    arg = hx; /* printed as stored: lowercase */
    ct_u256_to_dec(value, sizeof(value), &t.value);
    ct_u256_to_dec(price, sizeof(price), &t.gas_price);
    FILE *f = stdout;
    if (o->json) {
        fprintf(f,
                "{\"chain\":\"ethereum\",\"hash\":\"%s\",\"height\":%u,\"index\":%u,\"type\":%u,"
                "\"status\":",
                arg, t.height, t.index, t.type);
        if (t.status < 0)
            fputs("null", f);
        else
            fprintf(f, "%d", t.status);
        fprintf(f, ",\"from\":\"%s\",\"to\":", t.from);
        if (t.to[0])
            fprintf(f, "\"%s\"", t.to);
        else
            fputs("null", f);
        fputs(",\"contract\":", f);
        if (t.contract[0])
            fprintf(f, "\"%s\"", t.contract);
        else
            fputs("null", f);
        /* nonce, gas: 64-bit from the input, strings beyond 2^53 (docs/cli.md) */
        fprintf(f, ",\"value_wei\":\"%s\",\"nonce\":", value);
        cli_json_amount(f, t.nonce);
        fputs(",\"gas\":", f);
        cli_json_amount(f, t.gas);
        fputs(",\"gas_used\":", f);
        cli_json_amount(f, t.gas_used);
        fprintf(f, ",\"gas_price_wei\":\"%s\",\"logs\":%u,\"events\":[", price, t.n_logs);
    } else {
        fprintf(
            f,
            "transaction        %s (ethereum)\nblock              %u, index %u\ntype               "
            "%u\nstatus             %s\nfrom               %s\nto                 %s\n"
            "value              %s wei\nnonce              %llu\ngas                %llu "
            "(used %llu)\ngas price          %s wei\nlogs               %u\nevents\n",
            arg, t.height, t.index, t.type,
            t.status < 0 ? "unknown"
            : t.status   ? "success"
                         : "failed",
            t.from, t.to[0] ? t.to : (t.contract[0] ? t.contract : "(creation)"), value,
            (unsigned long long)t.nonce, (unsigned long long)t.gas, (unsigned long long)t.gas_used,
            price, t.n_logs);
    }
    eth_show s = {{0}, o, true, 0, &err};
    ct_db_snapshot *snap;
    if ((rc = eth_open_graph(db, &s, &snap)))
        return rc;
    rc = s.g.tx_events(s.g.ctx, hash, eth_event_cb, &s, &err);
    if (rc == CT_OK && o->json)
        fputs("]}\n", f);
    ct_acct_graph_db_free(&s.g);
    ct_db_snapshot_free(db, snap);
    return rc ? cli_db_fail("show", rc, &err) : CT_EXIT_OK;
}

static int eth_show_block(ct_db *db, const char *arg, const show_opts *o)
{
    uint64_t height;
    if (!cli_parse_u64(arg, &height) || height > UINT32_MAX) {
        cli_error("show", "'%s' is not an Ethereum block height", arg);
        return CT_EXIT_USAGE;
    }
    ct_error err;
    ct_error_clear(&err);
    ct_eth_block_info b;
    int rc = ct_eth_block_get(db, &b, (uint32_t)height, &err);
    if (rc)
        return cli_db_fail("show", rc, &err);
    char fee[CT_U256_DEC_MAX];
    ct_u256_to_dec(fee, sizeof(fee), &b.base_fee);
    FILE *f = stdout;
    if (o->json) {
        fprintf(f, "{\"chain\":\"ethereum\",\"height\":%u,\"hash\":\"0x", b.height);
        for (int i = 0; i < 32; i++)
            fprintf(f, "%02x", b.hash[i]);
        fputs("\",\"parent\":\"0x", f);
        for (int i = 0; i < 32; i++)
            fprintf(f, "%02x", b.parent[i]);
        fprintf(f, "\",\"time\":%u,\"miner\":\"%s\",\"base_fee_wei\":", b.time, b.miner);
        if (b.has_base_fee)
            fprintf(f, "\"%s\"", fee);
        else
            fputs("null", f);
        fputs(",\"gas_used\":", f);
        cli_json_amount(f, b.gas_used);
        fprintf(f, ",\"txs\":%u,\"block_events\":%u}\n", b.n_txs, b.n_events);
    } else {
        fprintf(f, "block              %u (ethereum)\nhash               0x", b.height);
        for (int i = 0; i < 32; i++)
            fprintf(f, "%02x", b.hash[i]);
        fputs("\nparent             0x", f);
        for (int i = 0; i < 32; i++)
            fprintf(f, "%02x", b.parent[i]);
        fputs("\ntime               ", f);
        cli_print_time(f, b.time);
        fprintf(f,
                "\nminer              %s\nbase fee           %s\ngas used           %llu\n"
                "transactions       %u\nblock-level events %u\n",
                b.miner, b.has_base_fee ? fee : "(before London)", (unsigned long long)b.gas_used,
                b.n_txs, b.n_events);
    }
    return CT_EXIT_OK;
}

int cmd_show(int argc, char **argv, const cli_global *g)
{
    show_opts o = {"json", true, false, 0, NULL, "BTC", false};
    const char *chain = NULL;
    bool limit_set = false;
    const char *limit_arg = NULL;
    int first, rc;
    const cli_opt opts[] = {
        {"format", CLI_STRING, &o.format},
        {"txs", CLI_FLAG, &o.txs},
        {"limit", CLI_STRING, &limit_arg},
        {"after", CLI_STRING, &o.after},
        {"chain", CLI_STRING, &chain},
        {"addresses", CLI_FLAG, &o.addresses},
        {NULL, CLI_FLAG, NULL},
    };
    if ((rc = cli_parse(cli_find("show"), opts, argc, argv, &first)))
        return rc < 0 ? CT_EXIT_OK : rc;
    if ((rc = cli_format("show", o.format, &o.json)))
        return rc;
    if (limit_arg) {
        limit_set = true;
        if (!cli_parse_range("show", "limit", limit_arg, 1, UINT64_MAX, &o.limit))
            return CT_EXIT_USAGE;
    }
    const char *what = argv[first], *arg = what ? argv[first + 1] : NULL;
    if (!what || !arg || argv[first + 2]) {
        cli_error("show", "%s; usage: chaintrail show address|tx|block|cluster ARG",
                  !what  ? "show what?"
                  : !arg ? "missing argument"
                         : "too many arguments");
        return CT_EXIT_USAGE;
    }
    bool is_addr = strcmp(what, "address") == 0, is_tx = strcmp(what, "tx") == 0,
         is_block = strcmp(what, "block") == 0, is_cluster = strcmp(what, "cluster") == 0;
    if (!is_addr && !is_tx && !is_block && !is_cluster) {
        cli_error("show", "cannot show '%s' (address, tx, block or cluster)", what);
        return CT_EXIT_USAGE;
    }
    if (o.addresses && !is_cluster) {
        cli_error("show", "option '--addresses' applies to 'show cluster' only");
        return CT_EXIT_USAGE;
    }
    if (is_cluster) {
        if (o.txs || chain) {
            cli_error("show", "options '--txs' and '--chain' do not apply to 'show cluster'");
            return CT_EXIT_USAGE;
        }
        ct_db *db;
        if ((rc = cli_open_db("show", g, &db)))
            return rc;
        o.coin = cli_db_params(db)->coin;
        rc = show_cluster(db, arg, &o);
        ct_db_close(db);
        return rc;
    }
    if (o.txs && !is_addr) {
        cli_error("show", "option '--txs' applies to 'show address' only");
        return CT_EXIT_USAGE;
    }
    if ((limit_set || o.after) && is_tx) {
        cli_error("show", "options '--limit' and '--after' do not apply to 'show tx'");
        return CT_EXIT_USAGE;
    }
    bool chain_eth = false;
    if (chain && (rc = cli_chain("show", chain, &chain_eth)) != CT_EXIT_OK)
        return rc;
    /* Ethereum: "0x" + 40 hex digits (address), "0x" + 64 (tx), or --chain ethereum */
    bool eth = chain_eth || (arg[0] == '0' && (arg[1] == 'x' || arg[1] == 'X') &&
                             ((is_addr && strlen(arg) == 42) || (is_tx && strlen(arg) == 66)));
    if (eth && o.after) {
        cli_error("show", "option '--after' does not apply to Ethereum (use --limit)");
        return CT_EXIT_USAGE;
    }
    if (is_addr && eth && limit_set)
        o.txs = true;
    if (is_addr && !eth) {
        if (limit_set || o.after)
            o.txs = true; /* paging options ask for the history */
        if ((rc = check_address(arg, NULL)))
            return rc;
    }
    ct_db *db;
    if ((rc = cli_open_db("show", g, &db)))
        return rc;
    o.coin = cli_db_params(db)->coin;
    if (eth)
        rc = is_addr ? eth_show_address(db, arg, &o)
             : is_tx ? eth_show_tx(db, arg, &o)
                     : eth_show_block(db, arg, &o);
    else if (is_addr)
        rc = show_address(db, arg, &o);
    else if (is_tx)
        rc = show_tx(db, arg, &o);
    else
        rc = show_block(db, arg, &o);
    ct_db_close(db);
    return rc;
}
