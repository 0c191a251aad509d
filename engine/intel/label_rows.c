/* The label vocabulary every label reader and the label store share, below both: the
 * categories (names, attribution ranks, the keyword table of docs/labels.md), confidence
 * words, the UTF-8 check, the dispatch of the sink interface (label_rows.h), and the
 * window that reads a file in pieces. Knows no file format and no database. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "intel/label_rows.h"

/* ---- categories ---- */
static const char *const cat_names[CT_LABEL_CATEGORIES] = {
    "other",      "exchange", "mixer", "bridge",  "gambling", "sanctioned", "darknet",
    "ransomware", "scam",     "hack",  "blocked", "defi",     "miner",      "service",
};

/* Attribution rank of each category (higher wins). */
static const unsigned cat_rank[CT_LABEL_CATEGORIES] = {
    [CT_LABEL_OTHER] = 0,    [CT_LABEL_SERVICE] = 1,     [CT_LABEL_MINER] = 2,
    [CT_LABEL_DEFI] = 3,     [CT_LABEL_BLOCKED] = 4,     [CT_LABEL_HACK] = 5,
    [CT_LABEL_SCAM] = 6,     [CT_LABEL_RANSOMWARE] = 7,  [CT_LABEL_DARKNET] = 8,
    [CT_LABEL_GAMBLING] = 9, [CT_LABEL_EXCHANGE] = 10,   [CT_LABEL_BRIDGE] = 11,
    [CT_LABEL_MIXER] = 12,   [CT_LABEL_SANCTIONED] = 13,
};

const char *ct_label_category_name(ct_label_category c)
{
    return (unsigned)c < CT_LABEL_CATEGORIES ? cat_names[c] : NULL;
}

int ct_label_category_from_name(ct_label_category *out, const char *name)
{
    for (unsigned i = 0; i < CT_LABEL_CATEGORIES; i++)
        if (strcmp(cat_names[i], name) == 0) {
            *out = (ct_label_category)i;
            return CT_OK;
        }
    return CT_EINVAL;
}

unsigned ct_label_category_rank(ct_label_category c)
{
    return (unsigned)c < CT_LABEL_CATEGORIES ? cat_rank[c] : 0;
}

bool ct_label_category_stops(ct_label_category c)
{
    return c == CT_LABEL_EXCHANGE || c == CT_LABEL_MIXER || c == CT_LABEL_BRIDGE ||
           c == CT_LABEL_GAMBLING || c == CT_LABEL_SANCTIONED;
}

ct_label_category ct_label_category_max(ct_label_category a, ct_label_category b)
{
    return ct_label_category_rank(b) > ct_label_category_rank(a) ? b : a;
}

/* The keyword table of docs/labels.md. Whole words first (the lowercased word as given),
 * then each alphabetic token of the word ("exchange_wallet" -> exchange, wallet); of all
 * matches, the highest ranked category wins. */
typedef struct keyword {
    const char *word;
    ct_label_category cat;
} keyword;

static const keyword whole_words[] = {
    {"market", CT_LABEL_DARKNET}, /* GraphSense's category for darknet markets */
    {"cross-chain", CT_LABEL_BRIDGE},  {"gate-io", CT_LABEL_EXCHANGE},
    {"crypto-com", CT_LABEL_EXCHANGE}, {"black_list", CT_LABEL_BLOCKED},
    {"black-list", CT_LABEL_BLOCKED},  {"curve-fi", CT_LABEL_DEFI},
    {"yearn-finance", CT_LABEL_DEFI},  {"0x-protocol", CT_LABEL_DEFI},
    {"1inch", CT_LABEL_DEFI},          {"yield-farming", CT_LABEL_DEFI},
    {"mining_pool", CT_LABEL_MINER},
};

static const keyword tokens[] = {
    /* sanctioned */
    {"sanction", CT_LABEL_SANCTIONED},
    {"sanctions", CT_LABEL_SANCTIONED},
    {"sanctioned", CT_LABEL_SANCTIONED},
    {"ofac", CT_LABEL_SANCTIONED},
    {"sdn", CT_LABEL_SANCTIONED},
    /* mixer */
    {"mixer", CT_LABEL_MIXER},
    {"mixers", CT_LABEL_MIXER},
    {"mixing", CT_LABEL_MIXER},
    {"mix", CT_LABEL_MIXER},
    {"tumbler", CT_LABEL_MIXER},
    {"coinjoin", CT_LABEL_MIXER},
    {"tornado", CT_LABEL_MIXER},
    {"typhoon", CT_LABEL_MIXER},
    /* bridge */
    {"bridge", CT_LABEL_BRIDGE},
    {"bridges", CT_LABEL_BRIDGE},
    {"wormhole", CT_LABEL_BRIDGE},
    {"multichain", CT_LABEL_BRIDGE},
    /* exchange, and exchanges named by Etherscan's label words */
    {"exchange", CT_LABEL_EXCHANGE},
    {"exchanges", CT_LABEL_EXCHANGE},
    {"cex", CT_LABEL_EXCHANGE},
    {"binance", CT_LABEL_EXCHANGE},
    {"coinbase", CT_LABEL_EXCHANGE},
    {"kraken", CT_LABEL_EXCHANGE},
    {"kucoin", CT_LABEL_EXCHANGE},
    {"huobi", CT_LABEL_EXCHANGE},
    {"okx", CT_LABEL_EXCHANGE},
    {"okex", CT_LABEL_EXCHANGE},
    {"bitfinex", CT_LABEL_EXCHANGE},
    {"bitstamp", CT_LABEL_EXCHANGE},
    {"bittrex", CT_LABEL_EXCHANGE},
    {"poloniex", CT_LABEL_EXCHANGE},
    {"gemini", CT_LABEL_EXCHANGE},
    {"bithumb", CT_LABEL_EXCHANGE},
    {"upbit", CT_LABEL_EXCHANGE},
    {"ftx", CT_LABEL_EXCHANGE},
    {"bitmex", CT_LABEL_EXCHANGE},
    {"deribit", CT_LABEL_EXCHANGE},
    {"hitbtc", CT_LABEL_EXCHANGE},
    {"bybit", CT_LABEL_EXCHANGE},
    {"bitmart", CT_LABEL_EXCHANGE},
    {"hotbit", CT_LABEL_EXCHANGE},
    {"korbit", CT_LABEL_EXCHANGE},
    {"coinone", CT_LABEL_EXCHANGE},
    /* gambling */
    {"gambling", CT_LABEL_GAMBLING},
    {"gamble", CT_LABEL_GAMBLING},
    {"casino", CT_LABEL_GAMBLING},
    {"casinos", CT_LABEL_GAMBLING},
    {"betting", CT_LABEL_GAMBLING},
    /* darknet */
    {"darknet", CT_LABEL_DARKNET},
    {"darkweb", CT_LABEL_DARKNET},
    {"darkmarket", CT_LABEL_DARKNET},
    /* ransomware */
    {"ransomware", CT_LABEL_RANSOMWARE},
    {"ransom", CT_LABEL_RANSOMWARE},
    /* scam */
    {"scam", CT_LABEL_SCAM},
    {"scams", CT_LABEL_SCAM},
    {"scammer", CT_LABEL_SCAM},
    {"phish", CT_LABEL_SCAM},
    {"phishing", CT_LABEL_SCAM},
    {"ponzi", CT_LABEL_SCAM},
    {"fraud", CT_LABEL_SCAM},
    {"sextortion", CT_LABEL_SCAM},
    /* hack */
    {"hack", CT_LABEL_HACK},
    {"hacks", CT_LABEL_HACK},
    {"hacked", CT_LABEL_HACK},
    {"hacker", CT_LABEL_HACK},
    {"heist", CT_LABEL_HACK},
    {"exploit", CT_LABEL_HACK},
    {"exploiter", CT_LABEL_HACK},
    {"theft", CT_LABEL_HACK},
    {"stolen", CT_LABEL_HACK},
    /* blocked */
    {"blocked", CT_LABEL_BLOCKED},
    {"blacklist", CT_LABEL_BLOCKED},
    {"blacklisted", CT_LABEL_BLOCKED},
    {"frozen", CT_LABEL_BLOCKED},
    /* defi */
    {"defi", CT_LABEL_DEFI},
    {"dex", CT_LABEL_DEFI},
    {"amm", CT_LABEL_DEFI},
    {"lending", CT_LABEL_DEFI},
    {"uniswap", CT_LABEL_DEFI},
    {"sushiswap", CT_LABEL_DEFI},
    {"balancer", CT_LABEL_DEFI},
    {"aave", CT_LABEL_DEFI},
    {"compound", CT_LABEL_DEFI},
    {"kyberswap", CT_LABEL_DEFI},
    {"bancor", CT_LABEL_DEFI},
    {"dydx", CT_LABEL_DEFI},
    /* miner */
    {"miner", CT_LABEL_MINER},
    {"miners", CT_LABEL_MINER},
    {"mining", CT_LABEL_MINER},
    /* service */
    {"service", CT_LABEL_SERVICE},
    {"services", CT_LABEL_SERVICE},
    {"wallet", CT_LABEL_SERVICE},
    {"wallets", CT_LABEL_SERVICE},
    {"payment", CT_LABEL_SERVICE},
    {"payments", CT_LABEL_SERVICE},
    {"custodian", CT_LABEL_SERVICE},
    {"custodial", CT_LABEL_SERVICE},
    {"otc", CT_LABEL_SERVICE},
    {"atm", CT_LABEL_SERVICE},
};

static char lower_ascii(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

ct_label_category ct_label_category_normalize(const char *word)
{
    char w[128];
    size_t n = 0;
    ct_label_category best = CT_LABEL_OTHER;
    if (!word)
        return best;
    while (*word == ' ' || *word == '\t')
        word++;
    for (; word[n] && n < sizeof(w) - 1; n++)
        w[n] = lower_ascii(word[n]);
    while (n && (w[n - 1] == ' ' || w[n - 1] == '\t'))
        n--;
    w[n] = '\0';
    for (size_t i = 0; i < sizeof(whole_words) / sizeof(whole_words[0]); i++)
        if (strcmp(w, whole_words[i].word) == 0)
            best = ct_label_category_max(best, whole_words[i].cat);
    for (size_t i = 0; i < n;) {
        while (i < n && !(w[i] >= 'a' && w[i] <= 'z'))
            i++;
        size_t j = i;
        while (j < n && w[j] >= 'a' && w[j] <= 'z')
            j++;
        if (j > i)
            for (size_t k = 0; k < sizeof(tokens) / sizeof(tokens[0]); k++)
                if (strlen(tokens[k].word) == j - i && memcmp(tokens[k].word, w + i, j - i) == 0)
                    best = ct_label_category_max(best, tokens[k].cat);
        i = j;
    }
    return best;
}

/* ---- confidence ---- */
static const struct {
    const char *word;
    int value;
} conf_words[] = {
    {"ownership", 100},
    {"ledger_immanent", 100},
    {"authority_data", 90},
    {"service_data", 80},
    {"forensic", 70},
    {"manual", 60},
    {"web_crawl", 40},
    {"untrusted_transaction", 20},
    {"high", 80},
    {"medium", 50},
    {"low", 20},
};

int ct_labels_parse_confidence(const char *s, int *out)
{
    uint64_t v;
    if (ct_parse_u64(&v, s) == CT_OK) {
        if (v > 100)
            return CT_EINVAL;
        *out = (int)v;
        return CT_OK;
    }
    for (size_t i = 0; i < sizeof(conf_words) / sizeof(conf_words[0]); i++)
        if (strcmp(conf_words[i].word, s) == 0) {
            *out = conf_words[i].value;
            return CT_OK;
        }
    return CT_EINVAL;
}

/* ---- text checks ---- */
bool ct_labels_utf8_ok(const char *str, size_t n)
{
    const uint8_t *s = (const uint8_t *)str;
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t k;
        if (c >= 0xc2 && c <= 0xdf)
            k = 2;
        else if (c >= 0xe0 && c <= 0xef)
            k = 3;
        else if (c >= 0xf0 && c <= 0xf4)
            k = 4;
        else
            return false;
        if (n - i < k)
            return false;
        for (size_t j = 1; j < k; j++)
            if ((s[i + j] & 0xc0) != 0x80)
                return false;
        if ((c == 0xe0 && s[i + 1] < 0xa0) || (c == 0xed && s[i + 1] >= 0xa0) ||
            (c == 0xf0 && s[i + 1] < 0x90) || (c == 0xf4 && s[i + 1] >= 0x90))
            return false;
        i += k;
    }
    return true;
}

/* ---- the sink interface ---- */
int ct_labels_sink_row(ct_labels_sink *s, const ct_label_row *row)
{
    return s->ops->row(s->ctx, row);
}

int ct_labels_sink_reject(ct_labels_sink *s, uint64_t line, uint64_t offset, const char *reason,
                          const char *fmt, ...)
{
    char detail[CT_ERROR_DETAIL_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof(detail), fmt, ap);
    va_end(ap);
    return s->ops->reject(s->ctx, line, offset, reason, detail);
}

void ct_labels_sink_set_source(ct_labels_sink *s, const char *source)
{
    s->ops->set_source(s->ctx, source);
}

void ct_labels_sink_set_confidence(ct_labels_sink *s, uint8_t confidence)
{
    s->ops->set_confidence(s->ctx, confidence);
}

void ct_labels_sink_set_asset(ct_labels_sink *s, const char *asset)
{
    s->ops->set_asset(s->ctx, asset);
}

const char *ct_labels_sink_forced_asset(const ct_labels_sink *s)
{
    return s->ops->forced_asset(s->ctx);
}

/* ---- files read in pieces ---- */
struct ct_labels_stream {
    int fd;
    const char *path;
    char *buf;
    size_t cap, len; /* window: buf[0..len) */
    uint64_t base;   /* file offset of buf[0] */
    bool eof;
};

static int stream_read(ct_labels_stream *st, ct_error *err)
{
    while (st->len < st->cap && !st->eof) {
        ssize_t k = read(st->fd, st->buf + st->len, st->cap - st->len);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return ct_fail(err, CT_EIO, "cannot-read", "cannot read '%s': %s", st->path,
                           strerror(errno));
        if (k == 0)
            st->eof = true;
        st->len += (size_t)k;
        if (k > 0)
            break; /* what is there: a pipe need not be full */
    }
    return CT_OK;
}

int ct_labels_stream_open(ct_labels_stream **out, const char *path, ct_error *err)
{
    *out = NULL;
    ct_labels_stream *st = calloc(1, sizeof(*st));
    if (!st || !(st->buf = malloc(CT_LABELS_STREAM_CHUNK))) {
        free(st);
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "reading '%s'", path);
    }
    st->cap = CT_LABELS_STREAM_CHUNK;
    st->path = path;
    /* a regular file only: a FIFO without a writer would block, a device never ends */
    int rc = ct_open_regular(path, false, &st->fd, err);
    if (rc != CT_OK) {
        free(st->buf);
        free(st);
        return rc;
    }
    /* the first piece whole (a pipe may hand it over in parts) */
    while (rc == CT_OK && st->len < st->cap && !st->eof)
        rc = stream_read(st, err);
    if (rc != CT_OK) {
        ct_labels_stream_free(st);
        return rc;
    }
    *out = st;
    return CT_OK;
}

void ct_labels_stream_free(ct_labels_stream *st)
{
    if (!st)
        return;
    if (st->fd >= 0)
        close(st->fd);
    free(st->buf);
    free(st);
}

const char *ct_labels_stream_window(const ct_labels_stream *st, size_t *len, uint64_t *base,
                                    bool *eof)
{
    *len = st->len;
    *base = st->base;
    *eof = st->eof;
    return st->buf;
}

int ct_labels_stream_more(ct_labels_stream *st, size_t consumed, size_t max, ct_error *err)
{
    if (consumed > st->len)
        consumed = st->len;
    memmove(st->buf, st->buf + consumed, st->len - consumed);
    st->len -= consumed;
    st->base += consumed;
    if (st->eof)
        return CT_OK;
    if (st->len == st->cap) { /* one record fills the window: grow it */
        if (st->cap >= max)
            return ct_fail(err, CT_ENOMEM, "record-too-long",
                           "'%s': a record at byte %llu is longer than %zu bytes", st->path,
                           (unsigned long long)st->base, max);
        size_t cap = st->cap * 2 > max ? max : st->cap * 2;
        char *nb = realloc(st->buf, cap);
        if (!nb)
            return ct_fail(err, CT_ENOMEM, "out-of-memory", "reading '%s'", st->path);
        st->buf = nb;
        st->cap = cap;
    }
    size_t before = st->len;
    int rc = CT_OK;
    while (rc == CT_OK && st->len == before && !st->eof)
        rc = stream_read(st, err);
    return rc;
}
