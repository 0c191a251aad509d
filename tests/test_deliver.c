/* The webhook's building blocks without a network: HMAC-SHA256 (RFC 4231), the request
 * signature, the secret file's checks, and the outbox rows (engine/deliver, docs/scan.md
 * "Webhook"). The deliveries themselves are tests/net/test_webhook.c. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chaintrail/deliver.h"
#include "deliver/outbox.h"
#include "base/hash.h"
#include "base/util.h"
#include "testutil.h"

static void hex(char out[65], const uint8_t mac[32])
{
    ct_hex_encode(out, mac, 32);
    out[64] = '\0';
}

/* RFC 4231, test cases 1-4, 6 and 7 (case 5 is a truncated output). */
Test(hmac, rfc4231_vectors)
{
    uint8_t k1[20], k3[20], d3[50], k4[25], d4[50], k6[131];
    memset(k1, 0x0b, sizeof(k1));
    memset(k3, 0xaa, sizeof(k3));
    memset(d3, 0xdd, sizeof(d3));
    for (int i = 0; i < 25; i++)
        k4[i] = (uint8_t)(i + 1);
    memset(d4, 0xcd, sizeof(d4));
    memset(k6, 0xaa, sizeof(k6));
    const char *d6 = "Test Using Larger Than Block-Size Key - Hash Key First";
    const char *d7 = "This is a test using a larger than block-size key and a larger than "
                     "block-size data. The key needs to be hashed before being used by the "
                     "HMAC algorithm.";
    struct {
        const void *k;
        size_t kl;
        const void *d;
        size_t dl;
        const char *want;
    } v[] = {
        {k1, 20, "Hi There", 8, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
        {"Jefe", 4, "what do ya want for nothing?", 28,
         "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
        {k3, 20, d3, 50, "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
        {k4, 25, d4, 50, "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
        {k6, 131, d6, strlen(d6),
         "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
        {k6, 131, d7, strlen(d7),
         "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
    };
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        uint8_t mac[32];
        char h[65];
        ct_hmac_sha256(mac, v[i].k, v[i].kl, v[i].d, v[i].dl);
        hex(h, mac);
        cr_assert_str_eq(h, v[i].want, "case %zu", i);
        /* the same message fed in two parts */
        ct_hmac_sha256_ctx c;
        ct_hmac_sha256_init(&c, v[i].k, v[i].kl);
        ct_hmac_sha256_update(&c, v[i].d, 3);
        ct_hmac_sha256_update(&c, (const uint8_t *)v[i].d + 3, v[i].dl - 3);
        ct_hmac_sha256_final(&c, mac);
        hex(h, mac);
        cr_assert_str_eq(h, v[i].want, "case %zu in parts", i);
    }
}

/* The signature signs "TIMESTAMP.BODY"; the value is Python's
 * hmac.new(b'k3y', b'1700000000.{"a":1}', hashlib.sha256).hexdigest(). */
Test(webhook, signature_of_timestamp_dot_body)
{
    char sig[65];
    ct_webhook_sign(sig, (const uint8_t *)"k3y", 3, 1700000000u, "{\"a\":1}", 7);
    cr_assert_str_eq(sig, "fd5a70e965043f7df6309c2c3b5ff5a8ffa99b1f5175e9a311459e73c4634d4a");
    ct_webhook_sign(sig, (const uint8_t *)"k3y", 3, 1700000001u, "{\"a\":1}", 7);
    cr_assert_str_neq(sig, "fd5a70e965043f7df6309c2c3b5ff5a8ffa99b1f5175e9a311459e73c4634d4a");
}

static char *secret_file(const char *dir, const char *name, const char *text, size_t len,
                         mode_t mode)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    snprintf(p, n, "%s/%s", dir, name);
    cr_assert_eq(tu_write_file(p, text, len), 0);
    cr_assert_eq(chmod(p, mode), 0);
    return p;
}

static int read_secret(const char *path, char *out, size_t cap, ct_error *err)
{
    uint8_t *s = NULL;
    size_t len = 0;
    ct_error_clear(err);
    int rc = ct_webhook_secret_read(&s, &len, path, err);
    if (rc == CT_OK) {
        cr_assert_lt(len, cap);
        memcpy(out, s, len);
        out[len] = '\0';
        free(s);
    } else {
        cr_assert_null(s);
    }
    return rc;
}

Test(webhook, secret_file_checks)
{
    char *dir = tu_tmpdir();
    char got[64];
    ct_error err;
    char *p = secret_file(dir, "a", "s3cret\n", 7, 0600);
    cr_assert_eq(read_secret(p, got, sizeof(got), &err), CT_OK);
    cr_assert_str_eq(got, "s3cret");
    free(p);
    p = secret_file(dir, "b", "s3cret\r\n", 8, 0400);
    cr_assert_eq(read_secret(p, got, sizeof(got), &err), CT_OK);
    cr_assert_str_eq(got, "s3cret");
    free(p);
    /* one newline only: the second one belongs to the secret */
    p = secret_file(dir, "c", "s3cret\n\n", 8, 0600);
    cr_assert_eq(read_secret(p, got, sizeof(got), &err), CT_OK);
    cr_assert_str_eq(got, "s3cret\n");
    free(p);
    p = secret_file(dir, "d", "s3cret", 6, 0640);
    cr_assert_eq(read_secret(p, got, sizeof(got), &err), CT_EINVAL);
    cr_assert_str_eq(err.reason, "secret-permissions");
    char want[512];
    snprintf(want, sizeof(want),
             "the secret file '%s' can be read or written by others (mode 0640): chmod 600 it", p);
    cr_assert_str_eq(err.detail, want);
    cr_assert_eq(chmod(p, 0602), 0); /* world-writable counts too */
    cr_assert_eq(read_secret(p, got, sizeof(got), &err), CT_EINVAL);
    free(p);
    p = secret_file(dir, "e", "\n", 1, 0600);
    cr_assert_eq(read_secret(p, got, sizeof(got), &err), CT_EINVAL);
    cr_assert_str_eq(err.reason, "secret-empty");
    free(p);
    char big[CT_WEBHOOK_SECRET_MAX + 2];
    memset(big, 'x', sizeof(big));
    p = secret_file(dir, "f", big, CT_WEBHOOK_SECRET_MAX, 0600); /* the largest */
    uint8_t *s;
    size_t len;
    cr_assert_eq(ct_webhook_secret_read(&s, &len, p, &err), CT_OK);
    cr_assert_eq(len, CT_WEBHOOK_SECRET_MAX);
    free(s);
    free(p);
    p = secret_file(dir, "g", big, CT_WEBHOOK_SECRET_MAX + 1, 0600);
    cr_assert_eq(read_secret(p, got, sizeof(got), &err), CT_EINVAL);
    cr_assert_str_eq(err.reason, "secret-too-long");
    free(p);
    /* a symbolic link is followed: the file it names is checked */
    p = secret_file(dir, "h", "linked\n", 7, 0600);
    char link[512];
    snprintf(link, sizeof(link), "%s/link", dir);
    cr_assert_eq(symlink(p, link), 0);
    cr_assert_eq(read_secret(link, got, sizeof(got), &err), CT_OK);
    cr_assert_str_eq(got, "linked");
    cr_assert_eq(chmod(p, 0644), 0);
    cr_assert_eq(read_secret(link, got, sizeof(got), &err), CT_EINVAL);
    free(p);
    /* a directory, a missing file */
    cr_assert_eq(read_secret(dir, got, sizeof(got), &err), CT_EIO);
    cr_assert_str_eq(err.reason, "not-a-file");
    snprintf(link, sizeof(link), "%s/none", dir);
    cr_assert_eq(read_secret(link, got, sizeof(got), &err), CT_EIO);
    tu_rmtree(dir);
    free(dir);
}

typedef struct rows {
    ct_outbox_row r[8];
    char body[8][64];
    size_t n;
} rows;

static int keep(void *ctx, const ct_outbox_row *row, const char *body)
{
    rows *x = ctx;
    cr_assert_lt(x->n, 8);
    x->r[x->n] = *row;
    x->body[x->n][0] = '\0';
    if (body) {
        cr_assert_lt(row->body_len, 64);
        memcpy(x->body[x->n], body, row->body_len);
        x->body[x->n][row->body_len] = '\0';
    }
    x->n++;
    return 0;
}

static void read_rows(ct_db *db, rows *x)
{
    memset(x, 0, sizeof(*x));
    ct_error err;
    ct_error_clear(&err);
    cr_assert_eq(ct_outbox_each(db, keep, x, &err), CT_OK, "%s", err.detail);
}

#define ID_A "0123456789abcdef0123456789abcdef"
#define ID_B "fedcba9876543210fedcba9876543210"

/* Queuing writes one pending row per alert id, keyed in id order, with its body; queuing the
 * same again keeps the rows (and their attempts); a bad id or a too large body is refused
 * and nothing is written. */
Test(outbox, queue_rows)
{
    char *path = tu_fresh_db();
    ct_db *db = tu_db_open(path, true);
    ct_error err;
    ct_error_clear(&err);
    ct_outbox_item it[2] = {{ID_B, "{\"b\":1}", 7}, {ID_A, "{\"a\":1}", 7}};
    ct_outbox_queue_stats st;
    cr_assert_eq(ct_outbox_queue(db, &st, it, 2, 1700000000u, &err), CT_OK, "%s", err.detail);
    cr_assert_eq(st.queued, 2);
    cr_assert_eq(st.unchanged, 0);
    rows x;
    read_rows(db, &x);
    cr_assert_eq(x.n, 2);
    cr_assert_str_eq(x.r[0].alert_id, ID_A);
    cr_assert_str_eq(x.body[0], "{\"a\":1}");
    cr_assert_str_eq(x.r[1].alert_id, ID_B);
    cr_assert_str_eq(x.body[1], "{\"b\":1}");
    for (int i = 0; i < 2; i++) {
        cr_assert_eq(x.r[i].state, CT_OUTBOX_PENDING);
        cr_assert_eq(x.r[i].attempts, 0);
        cr_assert_eq(x.r[i].queued, 1700000000u);
        cr_assert_eq(x.r[i].last_attempt, 0);
        cr_assert_eq(x.r[i].body_len, 7);
    }
    /* the same pending body again: the queue time stays */
    cr_assert_eq(ct_outbox_queue(db, &st, it, 1, 1700000500u, &err), CT_OK);
    cr_assert_eq(st.queued, 1);
    read_rows(db, &x);
    cr_assert_eq(x.r[1].queued, 1700000000u);
    /* a changed body replaces the pending one */
    ct_outbox_item changed = {ID_B, "{\"b\":2}", 7};
    cr_assert_eq(ct_outbox_queue(db, &st, &changed, 1, 1700000600u, &err), CT_OK);
    read_rows(db, &x);
    cr_assert_str_eq(x.body[1], "{\"b\":2}");
    cr_assert_eq(x.r[1].queued, 1700000600u);

    ct_outbox_item bad[2] = {{ID_A, "{}", 2}, {"0123456789ABCDEF0123456789ABCDEF", "{}", 2}};
    cr_assert_eq(ct_outbox_queue(db, &st, bad, 2, 1, &err), CT_EINVAL);
    cr_assert_str_eq(err.reason, "bad-alert-id");
    cr_assert_str_eq(err.detail,
                     "'0123456789ABCDEF0123456789ABCDEF' is not an alert id (32 lowercase hex "
                     "digits)");
    ct_outbox_item big = {ID_A, "x", (size_t)CT_OUTBOX_BODY_MAX + 1};
    cr_assert_eq(ct_outbox_queue(db, &st, &big, 1, 1, &err), CT_EINVAL);
    cr_assert_str_eq(err.reason, "body-too-large");
    read_rows(db, &x);
    cr_assert_str_eq(x.body[0], "{\"a\":1}"); /* nothing of the refused queues was written */
    ct_db_close(db);
    tu_fresh_db_done(path);
}

/* A delivered row keeps the digest only: queuing the same body again is skipped, another
 * body is queued again; a malformed row is reported as corrupt. */
Test(outbox, delivered_digest_skips_the_same_body)
{
    char *path = tu_fresh_db();
    ct_db *db = tu_db_open(path, true);
    ct_outbox_row row;
    memset(&row, 0, sizeof(row));
    row.state = CT_OUTBOX_DELIVERED;
    row.delivered = row.last_attempt = row.queued = 1700000000u;
    ct_sha256(row.delivered_digest, "{\"a\":1}", 7);
    ct_buf v;
    ct_buf_init(&v, 1 << 20);
    cr_assert_eq(ct_outbox_encode(&v, &row, NULL, 0), CT_OK);
    uint8_t k[17];
    cr_assert_eq(ct_outbox_key(k, ID_A, NULL), CT_OK);
    ct_db_close(db);
    tu_db_poke(path, k, 17, v.data, v.len);
    db = tu_db_open(path, false);
    ct_error err;
    ct_error_clear(&err);
    ct_outbox_queue_stats st;
    ct_outbox_item same = {ID_A, "{\"a\":1}", 7}, other = {ID_A, "{\"a\":2}", 7};
    cr_assert_eq(ct_outbox_queue(db, &st, &same, 1, 1700000100u, &err), CT_OK);
    cr_assert_eq(st.queued, 0);
    cr_assert_eq(st.unchanged, 1);
    rows x;
    read_rows(db, &x);
    cr_assert_eq(x.n, 1);
    cr_assert_eq(x.r[0].state, CT_OUTBOX_DELIVERED);
    cr_assert_eq(x.r[0].body_len, 0);
    cr_assert_eq(ct_outbox_queue(db, &st, &other, 1, 1700000200u, &err), CT_OK);
    cr_assert_eq(st.queued, 1);
    read_rows(db, &x);
    cr_assert_eq(x.r[0].state, CT_OUTBOX_PENDING);
    cr_assert_str_eq(x.body[0], "{\"a\":2}");
    cr_assert_eq(x.r[0].queued, 1700000200u);
    cr_assert_eq(memcmp(x.r[0].delivered_digest, row.delivered_digest, 32), 0);
    ct_db_close(db);
    /* one byte short */
    tu_db_poke(path, k, 17, v.data, v.len - 1);
    db = tu_db_open(path, false);
    cr_assert_eq(ct_outbox_each(db, keep, &x, &err), CT_EDBCORRUPT);
    cr_assert_str_eq(err.reason, "bad-outbox-row");
    cr_assert_eq(ct_outbox_queue(db, &st, &same, 1, 1, &err), CT_EDBCORRUPT);
    ct_db_close(db);
    ct_buf_release(&v);
    tu_fresh_db_done(path);
}
