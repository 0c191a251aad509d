/* `chaintrail decode ethereum`: reads raw RLP blocks and raw signed transactions (binary,
 * or hex text) and prints one JSON line per transaction with its recovered sender. No
 * database. Part of the decode command (cmd_decode.c hands the ethereum chain over here).
 *
 * A file is a sequence of units, each an RLP block or a signed transaction (typed envelope
 * or legacy list), told apart by their first bytes (ct_eth_unit_next). A unit that does not
 * decode, or whose signatures do not check, is reported with its file and offset and
 * skipped; the next unit is read when the bad unit's size is known, otherwise the rest of
 * the file cannot be split and is left. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define MAX_ETH_FILE ((size_t)1 << 30)

typedef struct eth_stats {
    uint64_t blocks, txs, rejected;
} eth_stats;

static bool is_space(uint8_t c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

/* Hex text: whitespace-separated tokens of an even number of hex digits, each with an
 * optional 0x. Checked whole first, then decoded in place (the decoded bytes never overtake
 * the text); false, with buf untouched, when the bytes are not such text. */
static bool unhex_in_place(uint8_t *buf, size_t n, size_t *out_len)
{
    bool any = false;
    for (int pass = 0; pass < 2; pass++) {
        size_t i = 0, o = 0;
        while (i < n) {
            if (is_space(buf[i])) {
                i++;
                continue;
            }
            if (i + 1 < n && buf[i] == '0' && (buf[i + 1] == 'x' || buf[i + 1] == 'X'))
                i += 2;
            size_t start = i;
            while (i < n && !is_space(buf[i])) {
                if (cli_hex_digit(buf[i]) < 0)
                    return false;
                i++;
            }
            if ((i - start) % 2 != 0 || i == start)
                return false;
            any = true;
            if (pass == 1)
                for (size_t k = start; k < i; k += 2)
                    buf[o++] = (uint8_t)(cli_hex_digit(buf[k]) << 4 | cli_hex_digit(buf[k + 1]));
        }
        if (!any)
            return false;
        *out_len = o;
    }
    return true;
}

static int read_eth_file(const char *path, uint8_t **out, size_t *len, char *why, size_t size)
{
    FILE *f = cli_open_input(path, why, size);
    if (!f)
        return CT_EIO;
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = malloc(cap);
    int rc = buf ? CT_OK : CT_ENOMEM;
    while (rc == CT_OK) {
        if (n == cap) {
            if (cap > MAX_ETH_FILE) {
                rc = CT_ENOMEM;
                break;
            }
            uint8_t *nb = realloc(buf, cap * 2);
            if (!nb) {
                rc = CT_ENOMEM;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) {
            if (ferror(f))
                rc = CT_EIO;
            break;
        }
    }
    if (f != stdin)
        fclose(f);
    if (rc != CT_OK) {
        free(buf);
        return rc;
    }
    size_t hn;
    if (n > 0 && unhex_in_place(buf, n, &hn))
        n = hn;
    *out = buf;
    *len = n;
    return CT_OK;
}

static void print_hex0x(FILE *f, const uint8_t *p, size_t n)
{
    fputs("\"0x", f);
    cli_print_hex(f, p, n);
    fputc('"', f);
}

static void print_u256(FILE *f, const ct_u256 *v)
{
    char dec[CT_U256_DEC_MAX];
    ct_u256_to_dec(dec, sizeof dec, v);
    fprintf(f, "\"%s\"", dec);
}

static void print_tx(FILE *f, const ct_eth_tx *tx, const ct_eth_block *blk, uint32_t index)
{
    char addr[CT_ETH_ADDR_STR_MAX];
    fputs("{\"block\":", f);
    if (blk) {
        cli_json_amount(f, blk->header.number); /* 64-bit fields: strings beyond 2^53 */
        fputs(",\"block_hash\":", f);
        print_hex0x(f, blk->header.hash, 32);
        fprintf(f, ",\"index\":%u", index);
    } else {
        fputs("null,\"block_hash\":null,\"index\":null", f);
    }
    fputs(",\"hash\":", f);
    print_hex0x(f, tx->hash, 32);
    fprintf(f, ",\"type\":%u", tx->type);
    ct_eth_address_format(addr, tx->from);
    fprintf(f, ",\"from\":\"%s\",\"to\":", addr);
    if (tx->has_to) {
        ct_eth_address_format(addr, tx->to);
        fprintf(f, "\"%s\"", addr);
    } else {
        fputs("null", f);
    }
    fputs(",\"value_wei\":", f);
    print_u256(f, &tx->value);
    fputs(",\"nonce\":", f);
    cli_json_amount(f, tx->nonce);
    fputs(",\"chain_id\":", f);
    if (tx->has_chain_id)
        cli_json_amount(f, tx->chain_id);
    else
        fputs("null", f);
    fputs(",\"gas_limit\":", f);
    cli_json_amount(f, tx->gas_limit);
    if (tx->type >= CT_ETH_TX_DYNAMIC_FEE) {
        fputs(",\"max_fee_per_gas_wei\":", f);
        print_u256(f, &tx->gas_price);
        fputs(",\"max_priority_fee_per_gas_wei\":", f);
        print_u256(f, &tx->max_priority_fee);
    } else {
        fputs(",\"gas_price_wei\":", f);
        print_u256(f, &tx->gas_price);
    }
    if (tx->type == CT_ETH_TX_BLOB) {
        fputs(",\"max_fee_per_blob_gas_wei\":", f);
        print_u256(f, &tx->max_fee_per_blob_gas);
        fprintf(f, ",\"blob_hashes\":%u", tx->n_blob_hashes);
    }
    if (tx->type == CT_ETH_TX_SET_CODE)
        fprintf(f, ",\"authorizations\":%u", tx->n_authorizations);
    fprintf(f, ",\"input_size\":%zu}\n", tx->input_len);
}

static void report(const ct_error *err, uint64_t unit_off)
{
    char line[1024];
    ct_error e = *err;
    e.offset = err->offset == UINT64_MAX ? unit_off : unit_off + err->offset;
    ct_error_format(&e, line, sizeof(line));
    cli_error("decode", "%s", line);
}

/* Decodes and prints the units of one file; returns an exit code. */
static int decode_eth_file(const char *path, uint64_t chain_id, ct_eth_block *blk, eth_stats *st)
{
    uint8_t *data;
    size_t len;
    char why[160] = "";
    int rc = read_eth_file(path, &data, &len, why, sizeof(why));
    if (rc != CT_OK) {
        cli_error("decode", "cannot read '%s': %s", path, why[0] ? why : ct_strerror(rc));
        return rc == CT_ENOMEM ? CT_EXIT_FAILURE : CT_EXIT_IO;
    }
    int worst = CT_EXIT_OK;
    size_t off = 0;
    while (off < len) {
        ct_error err;
        ct_eth_unit_kind kind;
        size_t size;
        ct_error_clear(&err);
        ct_error_set_file(&err, path);
        if (ct_eth_unit_next(&kind, &size, data + off, len - off, &err) != CT_OK) {
            report(&err, off);
            st->rejected++;
            worst = CT_EXIT_DATA;
            break; /* no size: the rest cannot be split into units */
        }
        ct_error_clear(&err);
        ct_error_set_file(&err, path);
        if (kind == CT_ETH_UNIT_BLOCK) {
            rc = ct_eth_block_decode(blk, data + off, size, NULL, &err);
            if (rc == CT_OK)
                rc = ct_eth_block_recover(blk, chain_id, &err);
            if (rc == CT_OK) {
                st->blocks++;
                st->txs += blk->n_tx;
                for (uint32_t i = 0; i < blk->n_tx; i++)
                    print_tx(stdout, &blk->tx[i], blk, i);
            }
        } else {
            ct_eth_tx tx;
            rc = ct_eth_tx_decode(&tx, data + off, size, &err);
            if (rc == CT_OK)
                rc = ct_eth_tx_recover(&tx, -1, chain_id, &err);
            if (rc == CT_OK) {
                st->txs++;
                print_tx(stdout, &tx, NULL, 0);
            }
        }
        if (rc != CT_OK) {
            report(&err, off);
            st->rejected++;
            if (rc == CT_ENOMEM) {
                worst = CT_EXIT_FAILURE;
                break;
            }
            worst = CT_EXIT_DATA;
        }
        off += size;
    }
    free(data);
    return worst;
}

int cli_decode_ethereum(char **paths, uint64_t chain_id, bool quiet)
{
    ct_eth_block blk;
    eth_stats st = {0, 0, 0};
    int worst = CT_EXIT_OK;
    static char outbuf[1 << 16];
    setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
    ct_eth_block_init(&blk);
    for (size_t i = 0; paths[i]; i++) {
        int rc = decode_eth_file(paths[i], chain_id, &blk, &st);
        if (rc != CT_EXIT_OK && (worst == CT_EXIT_OK || rc == CT_EXIT_FAILURE))
            worst = rc;
        if (rc == CT_EXIT_FAILURE)
            break;
    }
    ct_eth_block_release(&blk);
    fflush(stdout);
    if (!quiet)
        fprintf(stderr, "chaintrail: decode: %llu blocks, %llu transactions; %llu rejected\n",
                (unsigned long long)st.blocks, (unsigned long long)st.txs,
                (unsigned long long)st.rejected);
    return worst;
}
