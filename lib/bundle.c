/* SPDX-License-Identifier: Apache-2.0 */
/* bundle.c — signed update bundles (see bundle.h and docs/BUNDLE.md): signing keys, pack, apply.
 *
 * Pack reads a feed into digest entries, works out the state checksum the bundle promises (full: from
 * its canonical entries alone; delta: by a dry run on the authority's replica through the one write
 * path), and writes header, entries and an Ed25519ph signature to a temporary file renamed into place.
 * Apply reads the file (bounded), checks only its length and magic, verifies the signature against
 * the pinned keys, and only then parses the header and entries and hands them to the write path
 * (update.c), which checks sequence, base and resulting checksum inside its one transaction. */
#include "bundle.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "db.h"
#include "error.h"
#include "layout.h"
#include "feed.h"
#include "fsutil.h"
#include "checksum.h"
#include "crypto.h"
#include "filehash.h"
#include "keyfile.h"
#include "meta.h"
#include "sign.h"
#include "import.h"

#define TRUSTED_MAX 64
#define WBUF 65536

/* ---- format ---- */

void sltd__bundle_hdr_encode(uint8_t out[SLTD__BUNDLE_HDR], const sltd__bundle_hdr *h)
{
    memset(out, 0, SLTD__BUNDLE_HDR);
    memcpy(out, SLTD__BUNDLE_MAGIC, 8);
    out[8] = (uint8_t)(h->version >> 8);
    out[9] = (uint8_t)h->version;
    out[10] = (uint8_t)h->kind;
    out[15] = SLTD__BUNDLE_HDR; /* header length, u32 */
    sltd__meta_encode_u64(out + 16, h->sequence);
    sltd__meta_encode_u64(out + 24, h->base);
    sltd__meta_encode_u64(out + 32, (uint64_t)h->created);
    sltd__meta_encode_u64(out + 40, (uint64_t)h->expires);
    sltd__meta_encode_u64(out + 48, h->count);
    sltd__meta_encode_u64(out + 56, h->records);
    memcpy(out + 64, h->checksum, 16);
    memcpy(out + 80, h->key_check, 16);
    memcpy(out + 96, h->key_id, 8);
}

int sltd__bundle_frame(const uint8_t *buf, size_t len, const char *source)
{
    if ((uint64_t)len > SLTD_BUNDLE_MAX)
        return sltd__err(SLTD_EFORMAT, "%s: %zu bytes: larger than the %llu bytes a bundle may have", source, len,
                         (unsigned long long)SLTD_BUNDLE_MAX);
    if (len < SLTD__BUNDLE_MIN || memcmp(buf, SLTD__BUNDLE_MAGIC, 8) != 0)
        return sltd__err(SLTD_EFORMAT, "%s: not an sltd update bundle (%s)", source,
                         len < SLTD__BUNDLE_MIN ? "too short" : "bad magic");
    return SLTD_OK;
}

int sltd__bundle_parse(sltd__bundle_hdr *h, sltd__entries *e, const uint8_t *buf, size_t len, const char *source)
{
    const uint8_t *p, *end;
    uint64_t i, body;
    int rc;

    memset(h, 0, sizeof *h);
    if ((rc = sltd__bundle_frame(buf, len, source)) != SLTD_OK)
        return rc;
    h->version = (unsigned)buf[8] << 8 | buf[9];
    h->kind = buf[10];
    h->sequence = sltd__meta_decode_u64(buf + 16);
    h->base = sltd__meta_decode_u64(buf + 24);
    h->created = (int64_t)sltd__meta_decode_u64(buf + 32);
    h->expires = (int64_t)sltd__meta_decode_u64(buf + 40);
    h->count = sltd__meta_decode_u64(buf + 48);
    h->records = sltd__meta_decode_u64(buf + 56);
    memcpy(h->checksum, buf + 64, 16);
    memcpy(h->key_check, buf + 80, 16);
    memcpy(h->key_id, buf + 96, 8);
    if (h->version != SLTD__BUNDLE_FORMAT)
        return sltd__err(SLTD_EFORMAT, "%s: bundle format version %u is not supported (this library reads %d)", source,
                         h->version, SLTD__BUNDLE_FORMAT);
    if (buf[11] != 0 || !sltd__meta_all_zero(buf + 104, 24))
        return sltd__err(SLTD_EFORMAT, "%s: header: reserved bytes are not zero", source);
    if (buf[12] != 0 || buf[13] != 0 || buf[14] != 0 || buf[15] != SLTD__BUNDLE_HDR)
        return sltd__err(SLTD_EFORMAT, "%s: header: length is not %d", source, SLTD__BUNDLE_HDR);
    if (h->kind != SLTD_BUNDLE_FULL && h->kind != SLTD_BUNDLE_DELTA)
        return sltd__err(SLTD_EFORMAT, "%s: header: unknown bundle kind %u", source, h->kind);
    if (h->sequence == 0)
        return sltd__err(SLTD_EFORMAT, "%s: header: sequence 0", source);
    if (h->kind == SLTD_BUNDLE_FULL ? h->base != 0 : h->base >= h->sequence)
        return sltd__err(SLTD_EFORMAT, "%s: header: base sequence %llu does not fit a %s bundle of sequence %llu",
                         source, (unsigned long long)h->base, h->kind == SLTD_BUNDLE_FULL ? "full" : "delta",
                         (unsigned long long)h->sequence);
    if (h->expires < h->created)
        return sltd__err(SLTD_EFORMAT, "%s: header: expires before it was created", source);
    body = len - SLTD__BUNDLE_MIN;
    if (h->count > body / SLTD__BUNDLE_ENTRY_MIN)
        return sltd__err(SLTD_EFORMAT, "%s: header: %llu entries cannot fit in %llu bytes", source,
                         (unsigned long long)h->count, (unsigned long long)body);
    if (h->kind == SLTD_BUNDLE_FULL && h->records != h->count)
        return sltd__err(SLTD_EFORMAT, "%s: header: a full bundle of %llu entries promises %llu records", source,
                         (unsigned long long)h->count, (unsigned long long)h->records);
    p = buf + SLTD__BUNDLE_HDR;
    end = buf + len - SLTD__BUNDLE_SIG;
    for (i = 0; i < h->count; i++) {
        sltd__entry x;

        /* all of it, padding and the unused record tail too: entries reach sort files on disk, and
         * stale heap bytes there could hold a document number */
        memset(&x, 0, sizeof x);
        sltd_record r;
        size_t used;
        if ((size_t)(end - p) < SLTD__BUNDLE_ENTRY_MIN)
            return sltd__err(SLTD_EFORMAT, "%s: entry %llu: truncated", source, (unsigned long long)i + 1);
        memcpy(x.d, p, SLTD_DIGEST_SIZE);
        x.action = p[SLTD_DIGEST_SIZE];
        x.len = p[SLTD_DIGEST_SIZE + 1];
        p += SLTD_DIGEST_SIZE + 2;
        if (x.action != SLTD__UPDATE_ADD && (x.action != SLTD__UPDATE_REMOVE || h->kind == SLTD_BUNDLE_FULL))
            return sltd__err(SLTD_EFORMAT, "%s: entry %llu: action %u is not valid in a %s bundle", source,
                             (unsigned long long)i + 1, x.action, h->kind == SLTD_BUNDLE_FULL ? "full" : "delta");
        if (x.len < SLTD__REC_HDR || x.len > SLTD__REC_MAX || x.len > (size_t)(end - p))
            return sltd__err(SLTD_EFORMAT, "%s: entry %llu: record length %u out of bounds", source,
                             (unsigned long long)i + 1, x.len);
        if (sltd__record_decode(&r, p, x.len, &used) != SLTD_OK || used != x.len)
            return sltd__err(SLTD_EFORMAT, "%s: entry %llu: malformed record", source, (unsigned long long)i + 1);
        memcpy(x.rec, p, x.len);
        p += x.len;
        x.line = (unsigned long)(i + 1);
        if (e != NULL && (rc = sltd__entries_push(e, &x)) != SLTD_OK)
            return sltd__err(rc, "%s: out of memory at entry %llu", source, (unsigned long long)i + 1);
    }
    if (p != end)
        return sltd__err(SLTD_EFORMAT, "%s: %llu bytes after the last of %llu entries", source,
                         (unsigned long long)(end - p), (unsigned long long)h->count);
    return SLTD_OK;
}

/* ---- signing keys ---- */

static int signing_key_create_body(uint8_t out[SLTD_KEYID_SIZE], const char *prefix)
{
    char *sec = NULL, *pub = NULL;
    uint8_t id[SLTD__SIGN_KEYID];
    int rc;

    sltd__err_clear();
    if (prefix == NULL || prefix[0] == '\0')
        return sltd__err(SLTD_EINVAL, "sltd_signing_key_create: no prefix");
    sec = sltd__fs_concat(prefix, ".sec", "");
    pub = sltd__fs_concat(prefix, ".pub", "");
    if (sec == NULL || pub == NULL) {
        rc = sltd__err(SLTD_ENOMEM, "out of memory");
        goto cleanup;
    }
    if ((rc = sltd__sign_key_create(sec, pub, id)) == SLTD_OK && out != NULL)
        memcpy(out, id, SLTD_KEYID_SIZE);
cleanup:
    free(sec);
    free(pub);
    return rc;
}

int sltd_signing_key_create(uint8_t out[SLTD_KEYID_SIZE], const char *prefix)
{
    sltd__err_clear();
    return sltd__err_leave(signing_key_create_body(out, prefix), "sltd_signing_key_create");
}

/* ---- pack ---- */

/* Read and validate every row of a feed into digest entries: all or nothing, like an import. */
static int to_entries(void *ctx, const sltd__entry *x)
{
    return sltd__entries_push(ctx, x);
}

static int read_feed(sltd__entries *e, const sltd__keys *keys, const char *path, unsigned flags)
{
    sltd__import_read fr;
    int rc = sltd__import_read_feed(&fr, keys, path, flags, 0, to_entries, e, NULL, NULL);

    if (rc == SLTD_OK && fr.invalid > 0)
        rc = sltd__err(SLTD_EFORMAT, "%s%s\n%llu invalid row(s); no bundle was written", fr.errs,
                       fr.invalid > SLTD__IMPORT_ERRORS_SHOWN ? "\n..." : "", (unsigned long long)fr.invalid);
    return rc;
}

static int cmp_entry(const void *a, const void *b)
{
    const sltd__entry *x = a, *y = b;
    int c = memcmp(x->d, y->d, SLTD_DIGEST_SIZE);

    return c != 0 ? c : (x->seq > y->seq) - (x->seq < y->seq);
}

/* A full bundle's entries: what the feed leaves when applied to an empty database, one add per listing,
 * sorted by digest (the same merge rules as update.c: a listing is a document type; a later add of the
 * same type replaces it; a remove drops that type, or every listing when it names none). The checksum
 * is then the sum over the entries. */
static int canonicalise(sltd__entries *e, uint8_t checksum[16], const char *source)
{
    size_t i, j, k, w = 0;

    memset(checksum, 0, 16);
    qsort(e->v, e->n, sizeof *e->v, cmp_entry);
    for (i = 0; i < e->n; i = j) {
        sltd__entry doc[SLTD_RECORDS_MAX];
        size_t n = 0;
        for (j = i; j < e->n && memcmp(e->v[j].d, e->v[i].d, SLTD_DIGEST_SIZE) == 0; j++) {
            const sltd__entry *x = &e->v[j];
            if (x->action == SLTD__UPDATE_REMOVE) {
                for (k = 0; k < n;) {
                    if (x->rec[2] != 0 && (doc[k].rec[2] != x->rec[2] || doc[k].rec[3] != x->rec[3]))
                        k++;
                    else
                        doc[k] = doc[--n];
                }
                continue;
            }
            for (k = 0; k < n && (doc[k].rec[2] != x->rec[2] || doc[k].rec[3] != x->rec[3]); k++)
                ;
            if (k == n && n == SLTD_RECORDS_MAX)
                return sltd__err(SLTD_ETOOMANY, "%s:%lu: more than %d listings for one document", source, (unsigned long)x->line,
                                 SLTD_RECORDS_MAX);
            if (k == n)
                n++;
            doc[k] = *x;
        }
        for (k = 0; k < n; k++) { /* w <= i: the group was copied out before it is overwritten */
            uint8_t h[16];
            e->v[w] = doc[k];
            e->v[w].seq = (uint32_t)w;
            sltd__checksum_xxh128(h, doc[k].d, SLTD_DIGEST_SIZE, doc[k].rec, doc[k].len);
            sltd__checksum_sum(checksum, h, +1);
            w++;
        }
    }
    e->n = w;
    return SLTD_OK;
}

typedef struct writer {
    sltd__fs_atomic file;
    sltd__sign_state *sig;
    size_t n;
    uint8_t buf[WBUF];
} writer;

static int w_flush(writer *w)
{
    int rc;

    sltd__sign_update(w->sig, w->buf, w->n);
    rc = sltd__fs_write(w->file.fd, w->buf, w->n, w->file.tmp);
    w->n = 0;
    return rc;
}

static int w_put(writer *w, const void *p, size_t n)
{
    int rc;

    if (w->n + n > sizeof w->buf && (rc = w_flush(w)) != SLTD_OK)
        return rc;
    memcpy(w->buf + w->n, p, n);
    w->n += n;
    return SLTD_OK;
}

static int write_bundle(const char *path, const sltd__bundle_hdr *h, const sltd__entries *e,
                        const sltd__sign_key *key)
{
    uint8_t hdr[SLTD__BUNDLE_HDR], sig[SLTD__SIGN_BYTES];
    writer *w = NULL;
    size_t i;
    int rc = SLTD_OK;

    if ((w = malloc(sizeof *w)) == NULL)
        return sltd__err(SLTD_ENOMEM, "out of memory");
    w->file = (sltd__fs_atomic)SLTD__FS_ATOMIC_INIT; /* before anything can fail: cleanup reads it */
    w->n = 0;
    if ((w->sig = sltd__sign_begin()) == NULL) {
        rc = sltd__err(SLTD_ENOMEM, "out of memory");
        goto cleanup;
    }
    /* a bundle is public (digests and a signature): 0644 */
    if ((rc = sltd__fs_atomic_begin(&w->file, path, 0644)) != SLTD_OK)
        goto cleanup;
    sltd__bundle_hdr_encode(hdr, h);
    if ((rc = w_put(w, hdr, sizeof hdr)) != SLTD_OK)
        goto cleanup;
    for (i = 0; i < e->n; i++) {
        const sltd__entry *x = &e->v[i];
        uint8_t head[SLTD_DIGEST_SIZE + 2];
        memcpy(head, x->d, SLTD_DIGEST_SIZE);
        head[SLTD_DIGEST_SIZE] = x->action;
        head[SLTD_DIGEST_SIZE + 1] = x->len;
        if ((rc = w_put(w, head, sizeof head)) != SLTD_OK || (rc = w_put(w, x->rec, x->len)) != SLTD_OK)
            goto cleanup;
    }
    if ((rc = w_flush(w)) != SLTD_OK)
        goto cleanup;
    sltd__sign_create(w->sig, sig, key);
    memcpy(w->buf, sig, sizeof sig);
    w->n = sizeof sig;
    if ((rc = w_flush(w)) != SLTD_OK) /* (the signature also enters the hash state: it is not used again) */
        goto cleanup;
    rc = sltd__fs_atomic_commit(&w->file);
cleanup:
    sltd__fs_atomic_abort(&w->file);
    sltd__sign_free(w->sig);
    free(w);
    return rc;
}

static void report_header(sltd_bundle_report *out, const sltd__bundle_hdr *h)
{
    out->kind = (int)h->kind;
    out->sequence = h->sequence;
    out->base = h->base;
    out->created = h->created;
    out->expires = h->expires;
    out->entries = h->count;
    out->records = h->records;
    memcpy(out->checksum, h->checksum, 16);
    memcpy(out->key_id, h->key_id, SLTD_KEYID_SIZE);
}

static const sltd_bundle_report report_init = SLTD_BUNDLE_REPORT_INIT;

static int pack_bundle_body(sltd_bundle_report *out, sltd_db *db, const char *feed_path, const char *bundle_path,
                     const sltd_pack_options *opts)
{
    sltd__entries e = { NULL, 0, 0 };
    sltd__sign_key *sk = NULL;
    sltd__keys *own = NULL;
    const sltd__keys *keys;
    sltd__db_parts p;
    sltd__bundle_hdr h;
    int rc;

    sltd__err_clear();
    if (out != NULL)
        *out = report_init;
    if (opts == NULL || opts->version != SLTD_PACK_OPTIONS_VERSION || feed_path == NULL || bundle_path == NULL ||
        opts->sign_path == NULL || opts->sequence == 0 || opts->valid_days > SLTD_BUNDLE_DAYS_MAX ||
        (opts->flags & ~(unsigned)SLTD_IMPORT_IGNORE_UNKNOWN) != 0 || opts->created < 0)
        return sltd__err(SLTD_EINVAL, "sltd_bundle_pack: bad arguments or options");
    if (opts->delta && (db == NULL || opts->base >= opts->sequence))
        return sltd__err(SLTD_EINVAL, db == NULL ? "a delta bundle needs the authority's replica at its base sequence "
                                                   "(its resulting checksum depends on that state)"
                                                 : "a delta's sequence must be greater than its base");
    if (db == NULL && opts->key_path == NULL)
        return sltd__err(SLTD_EINVAL, "sltd_bundle_pack: no database and no key file");
    if (db != NULL) {
        if ((rc = sltd__db_use(&p, db)) != SLTD_OK)
            return rc;
        keys = p.keys;
    } else {
        if ((rc = sltd__crypto_init()) != SLTD_OK || (rc = sltd__keyfile_load(&own, opts->key_path)) != SLTD_OK)
            return rc;
        keys = own;
    }
    if ((rc = sltd__sign_key_load(&sk, opts->sign_path)) != SLTD_OK)
        goto cleanup;
    if ((rc = read_feed(&e, keys, feed_path, opts->flags)) != SLTD_OK)
        goto cleanup;

    memset(&h, 0, sizeof h);
    h.version = SLTD__BUNDLE_FORMAT;
    h.kind = opts->delta ? SLTD_BUNDLE_DELTA : SLTD_BUNDLE_FULL;
    h.sequence = opts->sequence;
    h.base = opts->delta ? opts->base : 0;
    h.created = opts->created != 0 ? opts->created : (int64_t)time(NULL);
    h.expires = h.created + (int64_t)opts->valid_days * 86400;
    sltd__prf_key_check(h.key_check, keys);
    sltd__sign_key_id(h.key_id, sk);
    if (!opts->delta && (rc = canonicalise(&e, h.checksum, feed_path)) != SLTD_OK)
        goto cleanup;
    h.records = e.n;
    if (db != NULL) {
        /* Through the one write path, as a dry run on the replica: checks its sequence (and a delta's
         * base), and gives the checksum the result must have. Nothing changes. */
        sltd__update_opts o = { 0 };
        uint8_t sum[16];
        o.source = feed_path;
        o.replace_all = !opts->delta;
        o.set_meta = 1;
        o.is_delta = opts->delta;
        o.base = h.base;
        o.sequence = h.sequence;
        o.produced = h.created;
        o.expires = h.expires;
        o.dry_run = 1;
        o.out_checksum = sum;
        o.out_records = &h.records;
        if ((rc = sltd__update_apply(db, &e, &o, NULL)) != SLTD_OK)
            goto cleanup;
        if (!opts->delta && memcmp(sum, h.checksum, 16) != 0) { /* cannot happen: the two merges agree */
            rc = sltd__err(SLTD_ECORRUPT, "%s: internal error: the full bundle's checksum disagrees with the dry run",
                           feed_path);
            goto cleanup;
        }
        memcpy(h.checksum, sum, 16);
    }
    h.count = e.n;
    if ((rc = write_bundle(bundle_path, &h, &e, sk)) != SLTD_OK)
        goto cleanup;
    if (out != NULL)
        report_header(out, &h);
cleanup:
    sltd__entries_free(&e);
    sltd__sign_key_free(sk);
    sltd__prf_key_free(own);
    return rc;
}

int sltd_bundle_pack(sltd_bundle_report *out, sltd_db *db, const char *feed_path, const char *bundle_path,
                     const sltd_pack_options *opts)
{
    sltd_bundle_report full = SLTD_BUNDLE_REPORT_INIT;
    const int v = sltd__layout_enter(out, SLTD__LAYOUT_BUNDLE_REPORT);
    const int rc = v < 0 ? v : pack_bundle_body(out != NULL ? &full : NULL, db, feed_path, bundle_path, opts);

    return sltd__layout_leave(out, v, SLTD__LAYOUT_BUNDLE_REPORT, &full, rc, "sltd_bundle_pack");
}

/* ---- snapshot: a full bundle of the database's state ---- */

typedef struct snap {
    writer *w;
    uint64_t n;
    int rc;
} snap;

static int snap_value(void *ctx, const uint8_t *d, const uint8_t *val, size_t len)
{
    snap *sn = ctx;
    size_t off = 0, used;

    while (off < len) {
        uint8_t head[SLTD_DIGEST_SIZE + 2];
        if ((used = sltd__record_len(val + off, len - off)) == 0) {
            sn->rc = sltd__err(SLTD_ECORRUPT, "damaged record value in the database");
            return 1;
        }
        memcpy(head, d, SLTD_DIGEST_SIZE);
        head[SLTD_DIGEST_SIZE] = SLTD__UPDATE_ADD;
        head[SLTD_DIGEST_SIZE + 1] = (uint8_t)used;
        if ((sn->rc = w_put(sn->w, head, sizeof head)) != SLTD_OK ||
            (sn->rc = w_put(sn->w, val + off, used)) != SLTD_OK)
            return 1;
        off += used;
        sn->n++;
    }
    return 0;
}

int sltd__bundle_snapshot(sltd_bundle_report *out, sltd_db *db, const char *path, const sltd__sign_key *k,
                          int64_t created, int64_t expires)
{
    uint8_t hdr[SLTD__BUNDLE_HDR], sig[SLTD__SIGN_BYTES], buf[16];
    sltd__bundle_hdr h;
    sltd__txn *t = NULL;
    writer *w = NULL;
    snap sn = { NULL, 0, SLTD_OK };
    sltd__db_parts p;
    size_t len;
    int rc;

    if (out != NULL)
        *out = report_init;
    if ((rc = sltd__db_use(&p, db)) != SLTD_OK)
        return rc;
    if ((w = malloc(sizeof *w)) == NULL)
        return sltd__err(SLTD_ENOMEM, "out of memory");
    w->file = (sltd__fs_atomic)SLTD__FS_ATOMIC_INIT;
    w->n = 0;
    if ((w->sig = sltd__sign_begin()) == NULL) {
        rc = sltd__err(SLTD_ENOMEM, "out of memory");
        goto cleanup;
    }
    memset(&h, 0, sizeof h);
    h.version = SLTD__BUNDLE_FORMAT;
    h.kind = SLTD_BUNDLE_FULL;
    h.created = created;
    h.expires = expires;
    sltd__prf_key_check(h.key_check, p.keys);
    sltd__sign_key_id(h.key_id, k);
    /* one read snapshot: the header's counts and checksum are those of the records that follow */
    if ((rc = sltd__store_read_begin(p.store, &t)) != SLTD_OK)
        goto cleanup;
    if ((rc = sltd__meta_get_u64(t, META_SEQUENCE, &h.sequence)) != SLTD_OK ||
        (rc = sltd__meta_get_u64(t, META_RECORDS, &h.records)) != SLTD_OK)
        goto cleanup;
    if ((rc = sltd__store_meta_get(t, META_CHECKSUM, buf, sizeof buf, &len)) < 0)
        goto cleanup;
    if (rc == 0 && len == 16)
        memcpy(h.checksum, buf, 16);
    if (h.sequence == 0) {
        rc = sltd__err(SLTD_ESEQUENCE, "%s: the database has no sequence: nothing to snapshot", p.dir);
        goto cleanup;
    }
    h.count = h.records;
    if ((rc = sltd__fs_atomic_begin(&w->file, path, 0644)) != SLTD_OK)
        goto cleanup;
    sltd__bundle_hdr_encode(hdr, &h);
    if ((rc = w_put(w, hdr, sizeof hdr)) != SLTD_OK)
        goto cleanup;
    sn.w = w;
    if ((rc = sltd__store_foreach(t, snap_value, &sn)) < 0 || (rc = sn.rc) != SLTD_OK)
        goto cleanup;
    if (sn.n != h.count) {
        rc = sltd__err(SLTD_ECORRUPT, "%s: %llu records found, %llu counted in the meta", p.dir,
                       (unsigned long long)sn.n, (unsigned long long)h.count);
        goto cleanup;
    }
    sltd__store_read_end(p.store, t);
    t = NULL;
    if ((rc = w_flush(w)) != SLTD_OK)
        goto cleanup;
    sltd__sign_create(w->sig, sig, k);
    memcpy(w->buf, sig, sizeof sig);
    w->n = sizeof sig;
    if ((rc = w_flush(w)) != SLTD_OK || (rc = sltd__fs_atomic_commit(&w->file)) != SLTD_OK)
        goto cleanup;
    if (out != NULL)
        report_header(out, &h);
cleanup:
    if (t != NULL)
        sltd__store_read_end(p.store, t);
    sltd__fs_atomic_abort(&w->file);
    sltd__sign_free(w->sig);
    free(w);
    return rc;
}

/* ---- apply ---- */

int sltd__bundle_apply_buf(sltd_bundle_report *out, sltd_db *db, uint8_t **bufp, size_t len, const char *path,
                           const sltd__apply_ctx *c)
{
    uint8_t *buf = *bufp;
    uint8_t (*pks)[SLTD__SIGN_PUBLIC] = NULL;
    uint8_t kc[16], id[SLTD__SIGN_KEYID];
    char hex[2 * SLTD__SIGN_KEYID + 1];
    sltd__entries e = { NULL, 0, 0 };
    sltd_import_report rep = SLTD_IMPORT_REPORT_INIT;
    sltd__sign_state *sig = NULL;
    sltd__update_opts o = { 0 };
    sltd__db_parts p;
    sltd__bundle_hdr h;
    size_t i;
    int64_t now;
    int rc, who;

    if (out != NULL)
        *out = report_init;
    if (c->nkeys == 0 || c->nkeys > TRUSTED_MAX || (c->flags & ~(unsigned)SLTD_APPLY_DRY_RUN) != 0)
        return sltd__err(SLTD_EINVAL, "sltd_bundle_apply: bad trusted keys (1 to %d) or flags", TRUSTED_MAX);
    if ((rc = sltd__db_use_writer(&p, db)) != SLTD_OK)
        return rc;
    if ((pks = malloc(c->nkeys * sizeof *pks)) == NULL)
        return sltd__err(SLTD_ENOMEM, "out of memory");
    for (i = 0; i < c->nkeys; i++)
        memcpy(pks[i], c->keys[i].pk, SLTD__SIGN_PUBLIC);

    /* 1. Framing only: size bounds and magic. */
    if ((rc = sltd__bundle_frame(buf, len, path)) != SLTD_OK)
        goto cleanup;
    /* 2. The signature, before anything else is read. */
    if ((sig = sltd__sign_begin()) == NULL) {
        rc = sltd__err(SLTD_ENOMEM, "out of memory");
        goto cleanup;
    }
    sltd__sign_update(sig, buf, len - SLTD__BUNDLE_SIG);
    if ((who = sltd__sign_verify(sig, buf + len - SLTD__BUNDLE_SIG, (const uint8_t(*)[SLTD__SIGN_PUBLIC])pks,
                                c->nkeys)) < 0) {
        int named = 0;
        sltd__hex(hex, buf + 96, SLTD__SIGN_KEYID); /* unverified: named for the operator only */
        for (i = 0; i < c->nkeys; i++) {
            sltd__sign_pubkey_id(id, pks[i]);
            named |= memcmp(id, buf + 96, SLTD__SIGN_KEYID) == 0;
        }
        rc = sltd__err(SLTD_ESIGNATURE, "%s: the signature does not verify with any trusted key (the bundle claims "
                       "key id %s, which is %s); refused", path, hex,
                       named ? "trusted: the bundle was altered or damaged" : "not trusted");
        goto cleanup;
    }
    /* 3. Now the signed bytes can be parsed; then the file is no longer needed. */
    if ((rc = sltd__bundle_parse(&h, &e, buf, len, path)) != SLTD_OK)
        goto cleanup;
    free(buf);
    buf = *bufp = NULL;
    sltd__sign_pubkey_id(id, pks[who]);
    if (memcmp(id, h.key_id, SLTD__SIGN_KEYID) != 0) {
        rc = sltd__err(SLTD_ESIGNATURE, "%s: signed by a trusted key but names another key id", path);
        goto cleanup;
    }
    if (h.created < c->keys[who].not_before || h.created >= c->keys[who].not_after) {
        sltd__hex(hex, id, SLTD__SIGN_KEYID);
        rc = sltd__err(SLTD_ESIGNATURE, "%s: created outside the validity of its signing key %s; refused", path, hex);
        goto cleanup;
    }
    if (c->expect && (h.kind != c->kind || h.sequence != c->sequence || h.base != c->base)) {
        rc = sltd__err(SLTD_EFORMAT, "%s: not the bundle the index describes (sequence %llu, base %llu)", path,
                       (unsigned long long)h.sequence, (unsigned long long)h.base);
        goto cleanup;
    }
    if (c->checksum != NULL && (memcmp(c->checksum, h.checksum, 16) != 0 || c->records != h.records)) {
        rc = sltd__err(SLTD_ECHECKSUM, "%s: the bundle's resulting state is not the one the index publishes", path);
        goto cleanup;
    }
    if (out != NULL)
        report_header(out, &h);
    sltd__prf_key_check(kc, p.keys);
    if (memcmp(kc, h.key_check, 16) != 0) {
        rc = sltd__err(SLTD_EWRONGKEY, "%s: the bundle was made with another deployment key than this database's",
                       path);
        goto cleanup;
    }
    now = (int64_t)time(NULL);
    if (!c->authority && h.created > now + SLTD_BUNDLE_SKEW) {
        rc = sltd__err(SLTD_EEXPIRED, "%s: created %lld s in the future (check the clocks); refused", path,
                       (long long)(h.created - now));
        goto cleanup;
    }
    if (!c->authority && !c->vouched && now >= h.expires) {
        rc = sltd__err(SLTD_EEXPIRED, "%s: expired %lld s ago; refused", path, (long long)(now - h.expires));
        goto cleanup;
    }
    /* 4. One transaction: sequence and base checked inside it, then the resulting checksum. */
    o.source = path;
    o.replace_all = h.kind == SLTD_BUNDLE_FULL;
    o.set_meta = 1;
    o.is_delta = h.kind == SLTD_BUNDLE_DELTA;
    o.base = h.base;
    o.sequence = h.sequence;
    o.produced = h.created;
    o.expires = h.expires > c->expires_at_least ? h.expires : c->expires_at_least;
    o.expect_checksum = h.checksum;
    o.dry_run = (c->flags & SLTD_APPLY_DRY_RUN) != 0;
    o.reset_sequence = c->reset_sequence;
    o.meta = c->meta;
    o.nmeta = c->nmeta;
    if ((rc = sltd__update_apply(db, &e, &o, &rep)) != SLTD_OK)
        goto cleanup;
    if (out != NULL) {
        out->added = rep.added;
        out->updated = rep.updated;
        out->unchanged = rep.unchanged;
        out->removed = rep.removed;
        out->not_found = rep.not_found;
    }
cleanup:
    free(buf);
    *bufp = NULL;
    sltd__sign_free(sig);
    sltd__entries_free(&e);
    free(pks);
    return rc;
}

static int apply_bundle_body(sltd_bundle_report *out, sltd_db *db, const char *path, const char *const *trusted,
                      size_t ntrusted, unsigned int flags)
{
    sltd__signer *keys = NULL;
    sltd__apply_ctx c = { 0 };
    uint8_t *buf = NULL;
    sltd__db_parts p;
    size_t len = 0, i;
    int rc;

    sltd__err_clear();
    if (out != NULL)
        *out = report_init;
    if ((rc = sltd__db_use(&p, db)) != SLTD_OK)
        return rc;
    if (path == NULL || trusted == NULL || ntrusted == 0 || ntrusted > TRUSTED_MAX ||
        (flags & ~(unsigned)SLTD_APPLY_DRY_RUN) != 0)
        return sltd__err(SLTD_EINVAL, "sltd_bundle_apply: bad path, trusted keys (1 to %d) or flags", TRUSTED_MAX);
    if ((rc = sltd__db_use_writer(&p, db)) != SLTD_OK)
        return rc;
    if ((keys = calloc(ntrusted, sizeof *keys)) == NULL)
        return sltd__err(SLTD_ENOMEM, "out of memory");
    for (i = 0; i < ntrusted; i++) {
        if (trusted[i] == NULL) {
            rc = sltd__err(SLTD_EINVAL, "sltd_bundle_apply: trusted key %zu is NULL", i);
            goto cleanup;
        }
        if ((rc = sltd__sign_pubkey_load(keys[i].pk, trusted[i])) != SLTD_OK)
            goto cleanup;
        keys[i].not_before = INT64_MIN; /* a pinned key has no validity period */
        keys[i].not_after = INT64_MAX;
    }
    if ((rc = sltd__fs_load(&buf, &len, path, SLTD__BUNDLE_MIN, SLTD_BUNDLE_MAX, "bundle")) != SLTD_OK)
        goto cleanup;
    c.keys = keys;
    c.nkeys = ntrusted;
    c.flags = flags;
    rc = sltd__bundle_apply_buf(out, db, &buf, len, path, &c);
cleanup:
    free(buf);
    free(keys);
    return rc;
}

int sltd_bundle_apply(sltd_bundle_report *out, sltd_db *db, const char *path, const char *const *trusted,
                      size_t ntrusted, unsigned int flags)
{
    sltd_bundle_report full = SLTD_BUNDLE_REPORT_INIT;
    const int v = sltd__layout_enter(out, SLTD__LAYOUT_BUNDLE_REPORT);
    const int rc = v < 0 ? v : apply_bundle_body(out != NULL ? &full : NULL, db, path, trusted, ntrusted, flags);

    return sltd__layout_leave(out, v, SLTD__LAYOUT_BUNDLE_REPORT, &full, rc, "sltd_bundle_apply");
}
