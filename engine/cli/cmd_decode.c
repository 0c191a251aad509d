/* `chaintrail decode bitcoin|ethereum`: the bitcoin variant reads blocks (blk files, directories,
 * raw or hex) or lone transactions and prints every transaction, with addresses as explorers show
 * them. No database: the quickest way to look at chain data, and the first quick-start command.
 *
 * Heights come from chain linkage within the run (genesis is 0, a block whose parent was
 * seen is parent + 1) and otherwise from the BIP34 height in the coinbase; a block whose
 * height is known neither way prints `"height": null`. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

typedef struct decode_opts {
    const char *network;
    const char *format;
    bool tx_mode;
    bool scripts;
    bool wtxid;
    bool quiet;
    bool xor_plain;
} decode_opts;

typedef struct decode_stats {
    uint64_t blocks;
    uint64_t txs;
    uint64_t rejected;  /* records that did not decode */
    uint64_t skipped;   /* junk ranges and bad record sizes */
    uint64_t truncated; /* files that ended inside a record */
} decode_stats;

/* ---- block hash -> height, for heights by chain linkage ---- */
typedef struct height_entry {
    uint8_t hash[32];
    int64_t height; /* -1: empty slot */
} height_entry;

typedef struct height_map {
    height_entry *slots;
    size_t size;
    size_t used;
} height_map;

static size_t slot_of(const height_map *m, const uint8_t hash[32])
{
    uint64_t k;
    memcpy(&k, hash + 8, sizeof(k)); /* hash bytes are uniform; byte order is irrelevant */
    return (size_t)k & (m->size - 1);
}

static int64_t height_get(const height_map *m, const uint8_t hash[32])
{
    if (!m->size)
        return -1;
    for (size_t i = slot_of(m, hash);; i = (i + 1) & (m->size - 1)) {
        if (m->slots[i].height < 0)
            return -1;
        if (memcmp(m->slots[i].hash, hash, 32) == 0)
            return m->slots[i].height;
    }
}

static bool height_put(height_map *m, const uint8_t hash[32], int64_t height)
{
    if ((m->used + 1) * 2 > m->size) {
        height_map bigger = {NULL, m->size ? m->size * 2 : 1024, 0};
        bigger.slots = malloc(bigger.size * sizeof(*bigger.slots));
        if (!bigger.slots)
            return false;
        for (size_t i = 0; i < bigger.size; i++)
            bigger.slots[i].height = -1;
        for (size_t i = 0; i < m->size; i++)
            if (m->slots[i].height >= 0)
                height_put(&bigger, m->slots[i].hash, m->slots[i].height);
        free(m->slots);
        *m = bigger;
    }
    size_t i = slot_of(m, hash);
    while (m->slots[i].height >= 0 && memcmp(m->slots[i].hash, hash, 32) != 0)
        i = (i + 1) & (m->size - 1);
    if (m->slots[i].height < 0)
        m->used++;
    memcpy(m->slots[i].hash, hash, 32);
    m->slots[i].height = height;
    return true;
}

/* ---- printing ---- */
static void print_hash(FILE *f, const uint8_t h[32])
{
    char hex[65];
    ct_hash_to_hex(hex, h);
    fputs(hex, f);
}

static void print_witness_json(FILE *f, const ct_btc_txin *in)
{
    /* Items are (CompactSize length, bytes), already validated by the decoder. */
    const uint8_t *p = in->witness;
    fputs(",\"witness\":[", f);
    for (uint32_t k = 0; k < in->witness_items; k++) {
        uint64_t len = p[0];
        size_t hdr = 1;
        if (p[0] == 0xfd) {
            len = (uint64_t)p[1] | (uint64_t)p[2] << 8;
            hdr = 3;
        } else if (p[0] == 0xfe) {
            len =
                (uint64_t)p[1] | (uint64_t)p[2] << 8 | (uint64_t)p[3] << 16 | (uint64_t)p[4] << 24;
            hdr = 5;
        }
        fputs(k ? ",\"" : "\"", f);
        cli_print_hex(f, p + hdr, (size_t)len);
        fputc('"', f);
        p += hdr + len;
    }
    fputc(']', f);
}

/* The graph identity of an output without an address (docs/addresses.md). */
static bool has_script_id(const ct_btc_dest *d)
{
    return d->type == CT_BTC_MULTISIG || d->type == CT_BTC_NONSTANDARD;
}

static void print_dest_json(FILE *f, const ct_btc_dest *d, const ct_btc_txout *out)
{
    fprintf(f, ",\"type\":\"%s\",\"address\":", ct_btc_script_type_name(d->type));
    if (d->type == CT_BTC_MULTISIG || d->n_addr != 1)
        fputs("null", f);
    else
        cli_json_string(f, d->addr[0]);
    if (d->type == CT_BTC_P2PK) {
        fputs(",\"linked_address\":", f);
        if (d->linked[0][0])
            cli_json_string(f, d->linked[0]);
        else
            fputs("null", f);
    } else if (d->type == CT_BTC_MULTISIG) {
        fprintf(f, ",\"required\":%u,\"addresses\":[", d->m);
        for (unsigned i = 0; i < d->n_addr; i++) {
            if (i)
                fputc(',', f);
            cli_json_string(f, d->addr[i]);
        }
        fputs("],\"linked_addresses\":[", f);
        for (unsigned i = 0; i < d->n_addr; i++) {
            if (i)
                fputc(',', f);
            if (d->linked[i][0])
                cli_json_string(f, d->linked[i]);
            else
                fputs("null", f);
        }
        fputc(']', f);
    } else if (d->type == CT_BTC_NULLDATA) {
        fputs(",\"data\":\"", f);
        cli_print_hex(f, d->data, d->data_len);
        fputc('"', f);
    }
    if (has_script_id(d)) {
        fputs(",\"script_id\":\"script:", f);
        cli_print_hex(f, out->script, out->script_len);
        fputc('"', f);
    }
}

static int print_tx_json(FILE *f, const ct_btc_block *blk, uint32_t idx, int64_t height,
                         const ct_btc_params *net, const decode_opts *o, ct_btc_dest *dest)
{
    const ct_btc_tx *tx = &blk->tx[idx];
    fputs("{\"block_hash\":", f);
    if (o->tx_mode) {
        fputs("null,\"height\":null,\"block_time\":null,\"tx_index\":null", f);
    } else {
        fputc('"', f);
        print_hash(f, blk->hash);
        fputs("\",\"height\":", f);
        if (height >= 0)
            fprintf(f, "%lld", (long long)height);
        else
            fputs("null", f);
        fprintf(f, ",\"block_time\":%u,\"tx_index\":%u", blk->header.time, idx);
    }
    fputs(",\"txid\":\"", f);
    print_hash(f, tx->txid);
    fputc('"', f);
    if (o->wtxid) {
        fputs(",\"wtxid\":\"", f);
        print_hash(f, tx->wtxid);
        fputc('"', f);
    }
    fprintf(f, ",\"version\":%d,\"locktime\":%u,\"size\":%u,\"weight\":%u,\"coinbase\":%s",
            tx->version, tx->locktime, tx->size, tx->stripped_size * 3 + tx->size,
            tx->coinbase ? "true" : "false");
    fputs(",\"inputs\":[", f);
    for (uint32_t i = 0; i < tx->n_in; i++) {
        const ct_btc_txin *in = &tx->in[i];
        fputs(i ? ",{" : "{", f);
        if (tx->coinbase) {
            fputs("\"prev_txid\":null,\"prev_vout\":null,\"coinbase\":\"", f);
            cli_print_hex(f, in->script_sig, in->script_sig_len);
            fputc('"', f);
        } else {
            fputs("\"prev_txid\":\"", f);
            print_hash(f, in->prev_txid);
            fprintf(f, "\",\"prev_vout\":%u", in->prev_vout);
        }
        fprintf(f, ",\"sequence\":%u", in->sequence);
        if (o->scripts) {
            if (!tx->coinbase) {
                fputs(",\"script_sig\":\"", f);
                cli_print_hex(f, in->script_sig, in->script_sig_len);
                fputc('"', f);
            }
            if (in->witness_items)
                print_witness_json(f, in);
        }
        fputc('}', f);
    }
    fputs("],\"outputs\":[", f);
    for (uint32_t j = 0; j < tx->n_out; j++) {
        const ct_btc_txout *out = &tx->out[j];
        if (ct_btc_script_dest(dest, out->script, out->script_len, net) != CT_OK)
            return CT_EINVAL;
        fprintf(f, "%s{\"n\":%u,\"value_sat\":%llu", j ? "," : "", j,
                (unsigned long long)out->value);
        print_dest_json(f, dest, out);
        if (o->scripts) {
            fputs(",\"script_pubkey\":\"", f);
            cli_print_hex(f, out->script, out->script_len);
            fputc('"', f);
        }
        fputc('}', f);
    }
    fputs("]}\n", f);
    return CT_OK;
}

static int print_tx_text(FILE *f, const ct_btc_block *blk, uint32_t idx, int64_t height,
                         const ct_btc_params *net, const decode_opts *o, ct_btc_dest *dest)
{
    const ct_btc_tx *tx = &blk->tx[idx];
    fputs("tx ", f);
    print_hash(f, tx->txid);
    if (!o->tx_mode) {
        fputs("  block ", f);
        print_hash(f, blk->hash);
        if (height >= 0)
            fprintf(f, "  height %lld", (long long)height);
        fprintf(f, "  index %u", idx);
    }
    fprintf(f, "\n  %u bytes, version %d, locktime %u%s\n", tx->size, tx->version, tx->locktime,
            tx->coinbase ? ", coinbase" : "");
    for (uint32_t i = 0; i < tx->n_in && !tx->coinbase; i++) {
        fprintf(f, "  in  %-3u ", i);
        print_hash(f, tx->in[i].prev_txid);
        fprintf(f, ":%u\n", tx->in[i].prev_vout);
    }
    for (uint32_t j = 0; j < tx->n_out; j++) {
        const ct_btc_txout *out = &tx->out[j];
        if (ct_btc_script_dest(dest, out->script, out->script_len, net) != CT_OK)
            return CT_EINVAL;
        fprintf(f, "  out %-3u ", j);
        cli_print_coin(f, out->value);
        fprintf(f, " %s  %s", net->coin, ct_btc_script_type_name(dest->type));
        for (unsigned k = 0; k < dest->n_addr; k++)
            fprintf(f, "  %s", dest->addr[k]);
        if (dest->type == CT_BTC_P2PK && dest->linked[0][0])
            fprintf(f, "  (same key: %s)", dest->linked[0]);
        if (has_script_id(dest)) {
            fputs("  script:", f);
            cli_print_hex(f, out->script, out->script_len);
        }
        fputc('\n', f);
    }
    return CT_OK;
}

static int print_block(const ct_btc_block *blk, int64_t height, const ct_btc_params *net,
                       const decode_opts *o, ct_btc_dest *dest)
{
    bool text = strcmp(o->format, "text") == 0;
    for (uint32_t i = 0; i < blk->n_tx; i++) {
        int rc = text ? print_tx_text(stdout, blk, i, height, net, o, dest)
                      : print_tx_json(stdout, blk, i, height, net, o, dest);
        if (rc != CT_OK)
            return rc;
    }
    return CT_OK;
}

static void report(const ct_error *err)
{
    char line[1024];
    ct_error_format(err, line, sizeof(line));
    cli_error("decode", "%s", line);
}

/* ---- lone transactions ---- */
#define MAX_TX_FILE (16u << 20)

static int read_tx_file(const char *path, uint8_t **out, size_t *len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f)
        return CT_EIO;
    uint8_t *buf = malloc(MAX_TX_FILE + 1);
    size_t n = buf ? fread(buf, 1, MAX_TX_FILE + 1, f) : 0;
    bool bad = !buf || ferror(f) || n > MAX_TX_FILE;
    if (f != stdin)
        fclose(f);
    if (bad) {
        free(buf);
        return buf ? CT_EIO : CT_ENOMEM;
    }
    /* Hex text (whitespace around it allowed) or binary. */
    size_t a = 0, b = n;
    while (a < b && (buf[a] == ' ' || buf[a] == '\n' || buf[a] == '\r' || buf[a] == '\t'))
        a++;
    while (b > a &&
           (buf[b - 1] == ' ' || buf[b - 1] == '\n' || buf[b - 1] == '\r' || buf[b - 1] == '\t'))
        b--;
    bool hex = b > a && (b - a) % 2 == 0;
    for (size_t i = a; hex && i < b; i++)
        hex = (buf[i] >= '0' && buf[i] <= '9') || (buf[i] >= 'a' && buf[i] <= 'f') ||
              (buf[i] >= 'A' && buf[i] <= 'F');
    if (hex) {
        size_t m = (b - a) / 2;
        for (size_t i = 0; i < m; i++) {
            char pair[3] = {(char)buf[a + 2 * i], (char)buf[a + 2 * i + 1], 0};
            buf[i] = (uint8_t)strtoul(pair, NULL, 16);
        }
        n = m;
    }
    *out = buf;
    *len = n;
    return CT_OK;
}

static int decode_txs(char **paths, const ct_btc_params *net, const decode_opts *o,
                      decode_stats *st, ct_btc_dest *dest)
{
    ct_btc_block blk;
    int worst = CT_EXIT_OK;
    ct_btc_block_init(&blk);
    for (size_t i = 0; paths[i]; i++) {
        uint8_t *data;
        size_t len;
        ct_error err;
        ct_error_clear(&err);
        ct_error_set_file(&err, paths[i]);
        int rc = read_tx_file(paths[i], &data, &len);
        if (rc != CT_OK) {
            cli_error("decode", "cannot read '%s': %s", paths[i], ct_strerror(rc));
            worst = CT_EXIT_IO;
            continue;
        }
        rc = ct_btc_tx_decode(&blk, data, len, o->wtxid ? CT_BTC_WTXID : 0, &err);
        if (rc == CT_OK) {
            st->txs++;
            rc = print_block(&blk, -1, net, o, dest);
        } else {
            report(&err);
            st->rejected++;
            if (worst == CT_EXIT_OK)
                worst = cli_exit_code(rc);
        }
        free(data);
    }
    ct_btc_block_release(&blk);
    return worst;
}

/* ---- blocks ---- */
static int decode_blocks(char **paths, size_t npaths, const ct_btc_params *net,
                         const decode_opts *o, decode_stats *st, ct_btc_dest *dest)
{
    ct_btc_reader_options ropts = CT_BTC_READER_OPTIONS_INIT;
    ct_btc_reader *r = NULL;
    ct_btc_block blk;
    height_map heights = {NULL, 0, 0};
    ct_error err;
    int worst = CT_EXIT_OK;
    unsigned flags = o->wtxid ? CT_BTC_WTXID : 0;

    ropts.net = net;
    ropts.xor_mode = o->xor_plain ? CT_BTC_XOR_PLAIN : CT_BTC_XOR_AUTO;
    ct_error_clear(&err);
    int rc = ct_btc_reader_open(&r, (const char *const *)paths, npaths, &ropts, &err);
    if (rc != CT_OK) {
        report(&err);
        return cli_exit_code(rc);
    }
    ct_btc_block_init(&blk);
    for (;;) {
        ct_btc_record rec;
        ct_error_clear(&err);
        rc = ct_btc_reader_next(r, &rec, &err);
        if (rc == CT_EEOF)
            break;
        if (rc == CT_ECORRUPT || rc == CT_ETRUNCATED) {
            report(&err);
            if (rc == CT_ETRUNCATED)
                st->truncated++;
            else
                st->skipped++;
            worst = CT_EXIT_DATA;
            continue;
        }
        if (rc != CT_OK) { /* network mismatch, I/O: fatal */
            report(&err);
            worst = cli_exit_code(rc);
            break;
        }
        ct_error_clear(&err);
        ct_error_set_file(&err, rec.file);
        err.offset = rec.offset;
        rc = ct_btc_block_decode(&blk, rec.data, rec.len, net, flags, &err);
        if (rc != CT_OK) {
            report(&err);
            if (rc == CT_ENOMEM) {
                worst = CT_EXIT_FAILURE;
                break;
            }
            if (ct_btc_error_is_parse(&err))
                ct_btc_reader_reject(r);
            st->rejected++;
            worst = CT_EXIT_DATA;
            continue;
        }
        int64_t height = -1;
        if (memcmp(blk.hash, net->genesis, 32) == 0)
            height = 0;
        else if ((height = height_get(&heights, blk.header.prev_hash)) >= 0)
            height++;
        else if (blk.bip34_height >= net->bip34_height)
            height = blk.bip34_height;
        if (height >= 0 && !height_put(&heights, blk.hash, height)) {
            cli_error("decode", "out of memory");
            worst = CT_EXIT_FAILURE;
            break;
        }
        st->blocks++;
        st->txs += blk.n_tx;
        if (print_block(&blk, height, net, o, dest) != CT_OK) {
            worst = CT_EXIT_FAILURE;
            break;
        }
    }
    ct_btc_block_release(&blk);
    ct_btc_reader_free(r);
    free(heights.slots);
    return worst;
}

/* `decode ethereum [--chain-id N] [--quiet] PATH...`: the bitcoin options do not apply. */
static int decode_ethereum(char **argv, int first, const decode_opts *o, const char *chain_id)
{
    uint64_t id = CT_ETH_MAINNET_CHAIN_ID;
    if (strcmp(o->network, "mainnet") != 0 || o->tx_mode || o->scripts || o->wtxid ||
        o->xor_plain || strcmp(o->format, "json") != 0) {
        cli_error("decode",
                  "decode ethereum takes --chain-id, --quiet and PATH... only (JSON output)");
        return CT_EXIT_USAGE;
    }
    if (chain_id && !cli_parse_u64(chain_id, &id)) {
        cli_error("decode", "option '--chain-id': '%s' is not a whole number", chain_id);
        return CT_EXIT_USAGE;
    }
    if (!argv[first + 1]) {
        cli_error("decode", "no PATH given; usage: chaintrail decode ethereum PATH...");
        return CT_EXIT_USAGE;
    }
    return cli_decode_ethereum(argv + first + 1, id, o->quiet);
}

int cmd_decode(int argc, char **argv, const cli_global *g)
{
    const cli_command *self = cli_find("decode");
    decode_opts o = {"mainnet", "json", false, false, false, false, false};
    const char *chain_id = NULL; /* ethereum only */
    const cli_opt opts[] = {
        {"chain-id", CLI_STRING, &chain_id},
        {"network", CLI_STRING, &o.network},
        {"format", CLI_STRING, &o.format},
        {"tx", CLI_FLAG, &o.tx_mode},
        {"scripts", CLI_FLAG, &o.scripts},
        {"wtxid", CLI_FLAG, &o.wtxid},
        {"quiet", CLI_FLAG, &o.quiet},
        {"xor-plain", CLI_FLAG, &o.xor_plain},
        {NULL, CLI_FLAG, NULL},
    };
    int first;
    (void)g;
    int rc = cli_parse(self, opts, argc, argv, &first);
    if (rc < 0)
        return CT_EXIT_OK;
    if (rc != CT_EXIT_OK)
        return rc;
    if (argv[first] && strcmp(argv[first], "ethereum") == 0)
        return decode_ethereum(argv, first, &o, chain_id);
    if (argv[first] && !cli_chain_family("decode", "", argv[first], "decode reads: "))
        return CT_EXIT_USAGE;
    if (chain_id) {
        cli_error("decode", "option '--chain-id' is for ethereum");
        return CT_EXIT_USAGE;
    }
    const ct_btc_params *net;
    char **paths;
    size_t npaths;
    if ((rc = cli_chain_paths("decode", argv, first, o.network, &net, &paths, &npaths)) !=
        CT_EXIT_OK)
        return rc;
    bool json;
    if ((rc = cli_format("decode", o.format, &json)) != CT_EXIT_OK)
        return rc;

    static char outbuf[1 << 16];
    setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
    ct_btc_dest *dest = malloc(sizeof(*dest));
    if (!dest) {
        cli_error("decode", "out of memory");
        return CT_EXIT_FAILURE;
    }
    decode_stats st = {0, 0, 0, 0, 0};
    rc = o.tx_mode ? decode_txs(paths, net, &o, &st, dest)
                   : decode_blocks(paths, npaths, net, &o, &st, dest);
    free(dest);
    if (!o.quiet)
        fprintf(stderr,
                "chaintrail: decode: %llu blocks, %llu transactions; %llu rejected, %llu "
                "skipped, %llu truncated\n",
                (unsigned long long)st.blocks, (unsigned long long)st.txs,
                (unsigned long long)st.rejected, (unsigned long long)st.skipped,
                (unsigned long long)st.truncated);
    return rc;
}
