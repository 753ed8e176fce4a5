/* SPDX-License-Identifier: Apache-2.0 */
/* test_bundle.c — signed update bundles (lib/bundle.c, docs/BUNDLE.md), on real databases and keys in
 * temporary directories: round trips, every kind of refusal with the database unchanged, bit flips at
 * hundreds of offsets, a chain of 100 deltas against one full bundle, no plaintext in a bundle, readers
 * in another process during applies, and the parser on its fuzz corpus. */
#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bundle.h"
#include "sign.h"
#include "sltd.h"
#include "testutil.h"

static char keyfile[4096], sec[4096], pub[4096], sec2[4096], pub2[4096];
static const char *trusted[1];

/* ---- helpers ---- */


static void setup(void)
{
    char prefix[4096];
    sltd_db *db = NULL;
    sltd_options o = SLTD_OPTIONS_INIT;

    tu_scratch("bundle");
    tu_signing_keys(sec, pub, "auth");
    tu_signing_keys(sec2, pub2, "rogue");
    trusted[0] = pub;
    /* the deployment key, made by creating (and dropping) a database */
    tu_at(prefix, "seed");
    tu_at(keyfile, "deploy.key");
    o.flags = SLTD_OPEN_CREATE;
    o.key_path = keyfile;
    ck_assert_int_eq(sltd_db_open(&db, prefix, &o), 0);
    sltd_db_close(db);
}

static void teardown(void)
{
    tu_scratch_end();
}

/* The database `name` in the scratch directory, opened with the key file `key` and `flags` (the test fails
 * if it cannot). */
static sltd_db *open_db_key(const char *name, const char *key, unsigned flags)
{
    sltd_options o = SLTD_OPTIONS_INIT;
    char dir[4096];
    sltd_db *db = NULL;
    int rc;

    tu_at(dir, name);
    o.flags = flags;
    o.key_path = key;
    rc = sltd_db_open(&db, dir, &o);
    ck_assert_msg(rc == 0, "open %s: %s %s", dir, sltd_error_text(rc), sltd_error_detail());
    return db;
}

static sltd_db *open_db(const char *name, int create)
{
    return open_db_key(name, keyfile, create ? SLTD_OPEN_CREATE : 0);
}

/* One document's record: depends on (series, index, version), so an update changes the checksum. */
static void row(FILE *f, unsigned series, unsigned long i, unsigned ver, const char *action)
{
    tu_feed_row(f, series, i, "P,%s,2024-0%lu-1%lu,R-%lu-%u,%s\n", i % 3 ? "stolen" : "lost", 1 + i % 9, i % 10, i,
                ver, action);
}

/* The rows of documents [from, to) of a series, of one version and one action. */
static void rows(FILE *f, unsigned series, unsigned long from, unsigned long to, unsigned ver, const char *action)
{
    unsigned long i;

    for (i = from; i < to; i++)
        row(f, series, i, ver, action);
}

static FILE *feed_open(const char *path)
{
    return tu_feed_open(path, "state,number,type,status,reported,reference,action\n");
}

static void pack(sltd_bundle_report *r, sltd_db *db, const char *feed, const char *out, uint64_t seq, int delta,
                 uint64_t base, unsigned days, const char *signer)
{
    sltd_pack_options po = SLTD_PACK_OPTIONS_INIT;
    int rc;

    po.key_path = keyfile;
    po.sign_path = signer != NULL ? signer : sec;
    po.sequence = seq;
    po.delta = delta;
    po.base = base;
    po.valid_days = days;
    rc = sltd_bundle_pack(r, db, feed, out, &po);
    ck_assert_msg(rc == 0, "pack %s: %s %s", out, sltd_error_text(rc), sltd_error_detail());
}

static int apply(sltd_db *db, const char *bundle)
{
    return sltd_bundle_apply(NULL, db, bundle, trusted, 1, 0);
}

static void apply_ok(sltd_db *db, const char *bundle)
{
    int rc = apply(db, bundle);

    ck_assert_msg(rc == 0, "apply %s: %s %s", bundle, sltd_error_text(rc), sltd_error_detail());
}

typedef struct snap {
    uint64_t records, documents, sequence;
    int64_t produced, expires;
    uint8_t checksum[16];
} snap;

static snap take(sltd_db *db)
{
    sltd_stats st = SLTD_STATS_INIT;
    snap s;

    ck_assert_int_eq(sltd_db_stats_get(&st, db), 0);
    s.records = st.records;
    s.documents = st.documents;
    s.sequence = st.sequence;
    s.produced = st.produced;
    s.expires = st.expires;
    memcpy(s.checksum, st.checksum, 16);
    return s;
}

static void same(const snap *a, const snap *b, const char *what)
{
    ck_assert_msg(a->records == b->records && a->documents == b->documents && a->sequence == b->sequence &&
                      a->produced == b->produced && a->expires == b->expires && memcmp(a->checksum, b->checksum, 16) == 0,
                  "%s: the database changed", what);
}

/* Each of the n handles is in the state the bundle report r promises: its checksum, records and
 * sequence. The first handle's snapshot goes to *first. */
static void all_in_state(snap *first, sltd_db *const *dbs, int n, const sltd_bundle_report *r)
{
    snap s;
    int i;

    for (i = 0; i < n; i++) {
        s = take(dbs[i]);
        ck_assert_mem_eq(s.checksum, r->checksum, 16);
        ck_assert_uint_eq(s.records, r->records);
        ck_assert_uint_eq(s.sequence, r->sequence);
        if (i == 0)
            *first = s;
    }
}

static void listed(sltd_db *db, unsigned series, unsigned long i, int want)
{
    char num[16];
    sltd_result r = SLTD_RESULT_INIT;

    tu_number(num, series, i);
    ck_assert_int_eq(sltd_db_lookup(&r, db, "UTO", num, NULL), 0);
    ck_assert_msg(r.listed == want, "%s: listed %d, want %d", num, r.listed, want);
}

static void write_bytes(const char *path, const uint8_t *p, size_t n)
{
    FILE *f = fopen(path, "wb");

    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(p, 1, n, f), n);
    ck_assert_int_eq(fclose(f), 0);
}

/* ---- round trips ---- */

START_TEST(round_trip_full_and_delta)
{
    char feed[4096], b1[4096], b2[4096], ref[4096];
    sltd_bundle_report r1 = SLTD_BUNDLE_REPORT_INIT, r2 = SLTD_BUNDLE_REPORT_INIT, ra = SLTD_BUNDLE_REPORT_INIT;
    sltd_db *auth, *kiosk, *direct;
    snap sa, sk;
    unsigned long i;
    FILE *f;

    auth = open_db("auth", 1);
    kiosk = open_db("kiosk", 1);
    direct = open_db("direct", 1);
    tu_at(feed, "full.csv");
    tu_at(b1, "b1.sltd");
    ck_assert_int_eq(tu_feed(feed, 1, 0, 500), 0);
    pack(&r1, NULL, feed, b1, 1, 0, 0, 7, NULL);
    ck_assert_int_eq(r1.kind, SLTD_BUNDLE_FULL);
    ck_assert_uint_eq(r1.entries, 500);
    ck_assert_uint_eq(r1.records, 500);
    ck_assert_int_eq(r1.expires - r1.created, 7 * 86400);
    ck_assert_int_eq(sltd_bundle_apply(&ra, kiosk, b1, trusted, 1, 0), 0);
    ck_assert_uint_eq(ra.added, 500);
    ck_assert_uint_eq(ra.sequence, 1);
    ck_assert_mem_eq(ra.key_id, r1.key_id, SLTD_KEYID_SIZE);
    apply_ok(auth, b1);
    /* the same feed imported directly gives the same state checksum */
    ck_assert_int_eq(sltd_db_import_feed(NULL, direct, feed, 0), 0);
    ck_assert_mem_eq(take(direct).checksum, r1.checksum, 16);
    {
        sltd_db *const both[] = { auth, kiosk };
        all_in_state(&sa, both, 2, &r1);
    }
    ck_assert_uint_eq(sa.records, 500);
    ck_assert_int_eq(sa.produced, r1.created);
    ck_assert_int_eq(sa.expires, r1.expires);
    for (i = 0; i < 500; i++)
        listed(kiosk, 1, i, 1);

    /* a delta: 100 added, 50 removed, 10 updated */
    tu_at(feed, "delta.csv");
    tu_at(b2, "b2.sltd");
    f = feed_open(feed);
    rows(f, 1, 500, 600, 0, "add");
    rows(f, 1, 0, 50, 0, "remove");
    rows(f, 1, 100, 110, 1, "add");
    tu_feed_close(f);
    pack(&r2, auth, feed, b2, 2, 1, 1, 7, NULL);
    ck_assert_int_eq(r2.kind, SLTD_BUNDLE_DELTA);
    ck_assert_uint_eq(r2.base, 1);
    ck_assert_uint_eq(r2.records, 550);
    /* packing was a dry run: the replica did not change */
    {
        snap now = take(auth);
        same(&sa, &now, "pack of a delta");
    }
    apply_ok(kiosk, b2);
    apply_ok(auth, b2);
    ck_assert_int_eq(sltd_db_import_feed(NULL, direct, feed, 0), 0);
    ck_assert_mem_eq(take(direct).checksum, r2.checksum, 16);
    {
        sltd_db *const both[] = { kiosk, auth };
        all_in_state(&sk, both, 2, &r2);
    }
    for (i = 0; i < 600; i++)
        listed(kiosk, 1, i, i >= 50);
    {
        sltd_result r = SLTD_RESULT_INIT;
        char num[16];
        tu_number(num, 1, 105);
        ck_assert_int_eq(sltd_db_lookup(&r, kiosk, "UTO", num, NULL), 0);
        ck_assert_str_eq(r.records[0].reference, "R-105-1");
    }
    /* a full bundle (with duplicates and removals in its feed) made with the replica gives the same
     * canonical checksum as without */
    tu_at(feed, "full2.csv");
    f = feed_open(feed);
    rows(f, 2, 0, 20, 0, "add");
    rows(f, 2, 0, 5, 1, "add");
    row(f, 2, 7, 0, "remove");
    tu_feed_close(f);
    tu_at(ref, "b3a.sltd");
    pack(&r1, NULL, feed, ref, 3, 0, 0, 7, NULL);
    tu_at(b1, "b3b.sltd");
    pack(&r2, auth, feed, b1, 3, 0, 0, 7, NULL);
    ck_assert_mem_eq(r1.checksum, r2.checksum, 16);
    ck_assert_uint_eq(r1.records, 19);
    ck_assert_uint_eq(r2.records, 19);
    ck_assert_uint_eq(r1.entries, 19); /* canonical: one add per listing */
    /* dry run: everything checked, nothing changed */
    sk = take(kiosk);
    ck_assert_int_eq(sltd_bundle_apply(&ra, kiosk, ref, trusted, 1, SLTD_APPLY_DRY_RUN), 0);
    {
        snap now = take(kiosk);
        same(&sk, &now, "dry run");
    }
    apply_ok(kiosk, ref);
    sk = take(kiosk);
    ck_assert_mem_eq(sk.checksum, r1.checksum, 16);
    ck_assert_uint_eq(sk.records, 19);
    listed(kiosk, 1, 300, 0); /* a full bundle replaces everything */
    listed(kiosk, 2, 7, 0);
    listed(kiosk, 2, 8, 1);
    sltd_db_close(auth);
    sltd_db_close(kiosk);
    sltd_db_close(direct);
}
END_TEST

/* ---- refusals ---- */

/* The kiosk at sequence 2; bundles for sequence 3 and 4 made by the authority. */
typedef struct world {
    sltd_db *kiosk;
    char b1[4096], b2[4096], b3[4096], b4[4096], d3feed[4096];
    sltd_bundle_report r3;
} world;

static void make_world(world *w)
{
    char feed[4096];
    sltd_bundle_report r = SLTD_BUNDLE_REPORT_INIT;
    sltd_db *auth = open_db("auth", 1);
    FILE *f;

    w->kiosk = open_db("kiosk", 1);
    tu_at(feed, "full.csv");
    ck_assert_int_eq(tu_feed(feed, 3, 0, 200), 0);
    tu_at(w->b1, "b1.sltd");
    pack(&r, NULL, feed, w->b1, 1, 0, 0, 7, NULL);
    apply_ok(auth, w->b1);
    apply_ok(w->kiosk, w->b1);
    tu_at(feed, "d2.csv");
    f = feed_open(feed);
    rows(f, 3, 200, 220, 0, "add");
    row(f, 3, 5, 0, "remove");
    tu_feed_close(f);
    tu_at(w->b2, "b2.sltd");
    pack(&r, auth, feed, w->b2, 2, 1, 1, 7, NULL);
    apply_ok(auth, w->b2);
    apply_ok(w->kiosk, w->b2);
    tu_at(w->d3feed, "d3.csv");
    f = feed_open(w->d3feed);
    rows(f, 3, 220, 260, 0, "add");
    rows(f, 3, 10, 20, 0, "remove");
    tu_feed_close(f);
    tu_at(w->b3, "b3.sltd");
    w->r3 = r; /* initialised */
    pack(&w->r3, auth, w->d3feed, w->b3, 3, 1, 2, 7, NULL);
    apply_ok(auth, w->b3);
    tu_at(feed, "d4.csv");
    f = feed_open(feed);
    row(f, 3, 300, 0, "add");
    tu_feed_close(f);
    tu_at(w->b4, "b4.sltd");
    pack(&r, auth, feed, w->b4, 4, 1, 3, 7, NULL);
    sltd_db_close(auth);
}

/* The detail of the last refusal (the calls that follow it clear the thread's detail). */
static char refused_detail[1024];

static void refused(sltd_db *db, const char *bundle, int want, const char *what)
{
    snap before = take(db), after;
    int rc = apply(db, bundle);

    ck_assert_msg(rc == want, "%s: %s (%s), want %s", what, sltd_error_text(rc), sltd_error_detail(), sltd_error_text(want));
    ck_assert_msg(sltd_error_detail()[0] != '\0', "%s: no detail", what);
    snprintf(refused_detail, sizeof refused_detail, "%s", sltd_error_detail());
    after = take(db);
    same(&before, &after, what);
}

START_TEST(replay_rollback_base_expiry_keys)
{
    char feed[4096], b[4096];
    sltd_pack_options po = SLTD_PACK_OPTIONS_INIT;
    sltd_bundle_report r = SLTD_BUNDLE_REPORT_INIT;
    world w;
    sltd_db *db;

    make_world(&w);
    refused(w.kiosk, w.b2, SLTD_ESEQUENCE, "replay");
    refused(w.kiosk, w.b1, SLTD_ESEQUENCE, "rollback to the full bundle of sequence 1");
    refused(w.kiosk, w.b4, SLTD_ESEQUENCE, "delta on base 3 while at 2");

    /* expired (DAYS 0), and created in the future */
    tu_at(b, "expired.sltd");
    tu_at(feed, "small.csv");
    ck_assert_int_eq(tu_feed(feed, 4, 0, 10), 0);
    pack(&r, NULL, feed, b, 9, 0, 0, 0, NULL);
    ck_assert_int_eq(r.expires, r.created);
    refused(w.kiosk, b, SLTD_EEXPIRED, "expired (0 days)");
    po.key_path = keyfile;
    po.sign_path = sec;
    po.sequence = 9;
    po.created = (int64_t)time(NULL) + 3600;
    tu_at(b, "future.sltd");
    ck_assert_int_eq(sltd_bundle_pack(NULL, NULL, feed, b, &po), 0);
    refused(w.kiosk, b, SLTD_EEXPIRED, "created an hour in the future");
    po.created = (int64_t)time(NULL) + 60; /* within the skew: accepted (checked on a dry run) */
    ck_assert_int_eq(sltd_bundle_pack(NULL, NULL, feed, b, &po), 0);
    ck_assert_int_eq(sltd_bundle_apply(NULL, w.kiosk, b, trusted, 1, SLTD_APPLY_DRY_RUN), 0);

    /* signed by a key that is not trusted */
    tu_at(b, "rogue.sltd");
    pack(&r, NULL, feed, b, 9, 0, 0, 7, sec2);
    refused(w.kiosk, b, SLTD_ESIGNATURE, "untrusted signer");
    ck_assert_ptr_nonnull(strstr(refused_detail, "not trusted"));
    {   /* trusted when its key is pinned too */
        const char *both[2] = { pub, pub2 };
        ck_assert_int_eq(sltd_bundle_apply(&r, w.kiosk, b, both, 2, SLTD_APPLY_DRY_RUN), 0);
        /* a secret key file is not a public key */
        both[1] = sec;
        ck_assert_int_eq(sltd_bundle_apply(&r, w.kiosk, b, both, 2, 0), SLTD_EKEY);
        both[1] = "/nonexistent.pub";
        ck_assert_int_eq(sltd_bundle_apply(&r, w.kiosk, b, both, 2, 0), SLTD_ENOENT);
    }

    /* made with another deployment key: its digests would never match; refused */
    {
        char okey[4096];
        tu_at(okey, "other.key");
        sltd_db_close(open_db_key("other", okey, SLTD_OPEN_CREATE));
        po.key_path = okey;
        po.created = 0;
        tu_at(b, "otherkey.sltd");
        ck_assert_int_eq(sltd_bundle_pack(NULL, NULL, feed, b, &po), 0);
        refused(w.kiosk, b, SLTD_EWRONGKEY, "another deployment key");
    }

    /* a delta whose published checksum is not what the kiosk's state gives (the kiosk changed locally) */
    ck_assert_int_eq(tu_feed(feed, 5, 0, 3), 0);
    ck_assert_int_eq(sltd_db_import_feed(NULL, w.kiosk, feed, 0), 0);
    refused(w.kiosk, w.b3, SLTD_ECHECKSUM, "checksum after apply differs");
    sltd_db_close(w.kiosk);

    /* a read-only handle, and bad arguments */
    {
        db = open_db_key("kiosk", keyfile, SLTD_OPEN_READONLY);
        ck_assert_int_eq(apply(db, w.b3), SLTD_EREADONLY);
        ck_assert_int_eq(sltd_bundle_apply(NULL, db, w.b3, trusted, 0, 0), SLTD_EINVAL);
        ck_assert_int_eq(sltd_bundle_apply(NULL, db, w.b3, trusted, 1, 8), SLTD_EINVAL);
        sltd_db_close(db);
    }
}
END_TEST

START_TEST(pack_refusals)
{
    char feed[4096], b[4096];
    sltd_pack_options po = SLTD_PACK_OPTIONS_INIT;
    sltd_db *auth = open_db("auth", 1);
    sltd_bundle_report r = SLTD_BUNDLE_REPORT_INIT;

    tu_at(feed, "f.csv");
    tu_at(b, "b.sltd");
    ck_assert_int_eq(tu_feed(feed, 6, 0, 10), 0);
    po.key_path = keyfile;
    po.sign_path = sec;
    po.sequence = 2;
    po.delta = 1;
    po.base = 1;
    ck_assert_int_eq(sltd_bundle_pack(&r, NULL, feed, b, &po), SLTD_EINVAL); /* a delta needs the replica */
    ck_assert_int_eq(sltd_bundle_pack(&r, auth, feed, b, &po), SLTD_ESEQUENCE); /* replica at 0, not 1 */
    ck_assert_int_eq(access(b, F_OK), -1);
    po.delta = 0;
    po.valid_days = SLTD_BUNDLE_DAYS_MAX + 1;
    ck_assert_int_eq(sltd_bundle_pack(&r, NULL, feed, b, &po), SLTD_EINVAL);
    po.valid_days = 7;
    po.sequence = 0;
    ck_assert_int_eq(sltd_bundle_pack(&r, NULL, feed, b, &po), SLTD_EINVAL);
    po.sequence = 1;
    ck_assert_int_eq(tu_write(feed, "state,number\nUTO,OK1\nQQQ,X1\n"), 0);
    ck_assert_int_eq(sltd_bundle_pack(&r, NULL, feed, b, &po), SLTD_EFORMAT);
    ck_assert_ptr_nonnull(strstr(sltd_error_detail(), "f.csv:3: field 'state'"));
    ck_assert_int_eq(access(b, F_OK), -1);
    /* a signing key readable by others is refused */
    ck_assert_int_eq(tu_feed(feed, 6, 0, 10), 0);
    ck_assert_int_eq(chmod(sec, 0640), 0);
    ck_assert_int_eq(sltd_bundle_pack(&r, NULL, feed, b, &po), SLTD_EKEYPERM);
    ck_assert_int_eq(chmod(sec, 0600), 0);
    po.sign_path = pub; /* a public key file is not a signing key (the mode is checked first) */
    ck_assert_int_eq(sltd_bundle_pack(&r, NULL, feed, b, &po), SLTD_EKEYPERM);
    ck_assert_int_eq(chmod(pub, 0600), 0);
    ck_assert_int_eq(sltd_bundle_pack(&r, NULL, feed, b, &po), SLTD_EKEY);
    ck_assert_int_eq(chmod(pub, 0644), 0);
    /* keys are never overwritten */
    {
        char prefix[4096];
        struct stat st;
        tu_at(prefix, "auth");
        ck_assert_int_eq(sltd_signing_key_create(NULL, prefix), SLTD_EEXIST);
        ck_assert_int_eq(stat(sec, &st), 0);
        ck_assert_uint_eq(st.st_mode & 0777, 0600);
    }
    sltd_db_close(auth);
}
END_TEST

/* ---- tampering ---- */

START_TEST(tampered_truncated_extended_oversize)
{
    char b[4096];
    uint8_t *orig, *buf;
    size_t len, i, n = 0, off;
    world w;
    int rc;
    snap before, after;

    make_world(&w);
    orig = (uint8_t *)tu_load(w.b3, &len);
    ck_assert_ptr_nonnull(orig);
    ck_assert_uint_gt(len, 2000);
    buf = malloc(len + 128);
    ck_assert_ptr_nonnull(buf);
    tu_at(b, "t.sltd");
    before = take(w.kiosk);
    /* every header byte, 300 offsets spread over the whole file, every signature byte */
    for (i = 0; i < SLTD__BUNDLE_HDR + 300 + SLTD__BUNDLE_SIG; i++) {
        off = i < SLTD__BUNDLE_HDR                ? i
              : i < SLTD__BUNDLE_HDR + 300        ? (i - SLTD__BUNDLE_HDR) * (len - 1) / 299
                                                   : len - SLTD__BUNDLE_SIG + (i - SLTD__BUNDLE_HDR - 300);
        memcpy(buf, orig, len);
        buf[off] ^= (uint8_t)(1u << (i % 8));
        write_bytes(b, buf, len);
        rc = apply(w.kiosk, b);
        ck_assert_msg(rc == (off < 8 ? SLTD_EFORMAT : SLTD_ESIGNATURE), "bit flip at %zu/%zu: %s", off, len,
                      sltd_error_text(rc));
        n++;
    }
    after = take(w.kiosk);
    same(&before, &after, "bit flips");
    ck_assert_uint_ge(n, 200);
    /* truncated */
    {
        const size_t cut[] = { 0, 1, 8, SLTD__BUNDLE_MIN - 1, SLTD__BUNDLE_MIN, SLTD__BUNDLE_HDR + 10, len / 2,
                               len - SLTD__BUNDLE_SIG, len - 1 };
        for (i = 0; i < sizeof cut / sizeof cut[0]; i++) {
            write_bytes(b, orig, cut[i]);
            rc = apply(w.kiosk, b);
            ck_assert_msg(rc == (cut[i] < SLTD__BUNDLE_MIN ? SLTD_EFORMAT : SLTD_ESIGNATURE), "cut at %zu: %s", cut[i],
                          sltd_error_text(rc));
        }
    }
    /* extended: a byte, a copy of the signature, a second entry-sized blob */
    memcpy(buf, orig, len);
    memcpy(buf + len, orig + len - SLTD__BUNDLE_SIG, SLTD__BUNDLE_SIG);
    for (i = 1; i <= SLTD__BUNDLE_SIG; i += 63) {
        write_bytes(b, buf, len + i);
        refused(w.kiosk, b, SLTD_ESIGNATURE, "extended");
    }
    /* oversize (sparse), with a good magic */
    {
        int fd = open(b, O_WRONLY | O_TRUNC);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(write(fd, orig, 64), 64);
        ck_assert_int_eq(ftruncate(fd, (off_t)SLTD_BUNDLE_MAX + 1), 0);
        close(fd);
        refused(w.kiosk, b, SLTD_EFORMAT, "oversize");
    }
    /* not a bundle at all, and missing */
    ck_assert_int_eq(tu_write(b, "state,number\nUTO,123\n....................................................."
                                 "..................................................................................."
                                 "...........................................................................\n"), 0);
    refused(w.kiosk, b, SLTD_EFORMAT, "a CSV file");
    tu_at(b, "nonexistent.sltd");
    ck_assert_int_eq(apply(w.kiosk, b), SLTD_ENOENT);
    /* and the untouched bundle still applies */
    apply_ok(w.kiosk, w.b3);
    after = take(w.kiosk);
    ck_assert_mem_eq(after.checksum, w.r3.checksum, 16);
    free(buf);
    free(orig);
    sltd_db_close(w.kiosk);
}
END_TEST

/* Bundles that carry a valid signature but are malformed inside (only the authority's key could make
 * them): the parser must still refuse them with SLTD_EFORMAT. */
static void signed_bytes(const char *path, uint8_t *buf, size_t len)
{
    sltd__sign_key *k = NULL;
    sltd__sign_state *s = sltd__sign_begin();

    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq(sltd__sign_key_load(&k, sec), 0);
    sltd__sign_update(s, buf, len - SLTD__BUNDLE_SIG);
    sltd__sign_create(s, buf + len - SLTD__BUNDLE_SIG, k);
    write_bytes(path, buf, len);
    sltd__sign_key_free(k);
    sltd__sign_free(s);
}

START_TEST(signed_but_malformed)
{
    char b[4096];
    uint8_t *orig, *buf;
    size_t len;
    world w;
    sltd__bundle_hdr h;
    struct {
        size_t off;
        uint8_t val;
        const char *what;
    } cases[] = {
        { 9, 2, "format version 2" },
        { 10, 3, "kind 3" },
        { 11, 1, "reserved byte" },
        { 15, 127, "header length" },
        { 23, 0, "sequence 0" }, /* sequence 3 -> low byte 0 */
        { 31, 3, "base >= sequence" },
        { 48, 0x40, "entry count beyond the size" },
        { 55, 0, "entry count too small (trailing bytes)" },
        { 120, 1, "reserved tail" },
        { SLTD__BUNDLE_HDR + 16, 7, "action 7" },
        { SLTD__BUNDLE_HDR + 17, 200, "record length 200" },
        { SLTD__BUNDLE_HDR + 17, 3, "record length 3" },
        { SLTD__BUNDLE_HDR + 18, 9, "record version 9" },
        { SLTD__BUNDLE_HDR + 19, 0, "status 0" },
    };
    size_t i;

    make_world(&w);
    orig = (uint8_t *)tu_load(w.b3, &len);
    ck_assert_ptr_nonnull(orig);
    buf = malloc(len);
    ck_assert_ptr_nonnull(buf);
    tu_at(b, "m.sltd");
    /* as packed: parses */
    ck_assert_int_eq(sltd__bundle_parse(&h, NULL, orig, len, "b3"), 0);
    ck_assert_uint_eq(h.count, 50);
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memcpy(buf, orig, len);
        buf[cases[i].off] = cases[i].val;
        signed_bytes(b, buf, len);
        refused(w.kiosk, b, SLTD_EFORMAT, cases[i].what);
    }
    /* a validly signed bundle with the checksum of another state */
    memcpy(buf, orig, len);
    buf[64] ^= 1;
    signed_bytes(b, buf, len);
    refused(w.kiosk, b, SLTD_ECHECKSUM, "checksum field changed and re-signed");
    /* expiry before creation */
    memcpy(buf, orig, len);
    memset(buf + 40, 0, 8);
    signed_bytes(b, buf, len);
    refused(w.kiosk, b, SLTD_EFORMAT, "expires before created");
    free(buf);
    free(orig);
    sltd_db_close(w.kiosk);
}
END_TEST

/* ---- a chain of 100 deltas = one full bundle ---- */

enum { CHAIN = 100, CHAIN_DOCS = 300 + CHAIN * 6 };

START_TEST(chain_of_100_deltas)
{
    static unsigned char present[CHAIN_DOCS];
    static unsigned version[CHAIN_DOCS];
    char feed[4096], b[4096];
    sltd_bundle_report r = SLTD_BUNDLE_REPORT_INIT;
    sltd_db *auth = open_db("auth", 1), *kiosk = open_db("kiosk", 1), *fresh;
    unsigned long i, next = 300;
    uint64_t seed = 42;
    snap sk, sa, sf;
    int k;
    FILE *f;

    tu_at(feed, "chain-full.csv");
    f = feed_open(feed);
    for (i = 0; i < 300; i++) {
        row(f, 7, i, 0, "add");
        present[i] = 1;
    }
    tu_feed_close(f);
    tu_at(b, "chain-1.sltd");
    pack(&r, NULL, feed, b, 1, 0, 0, 7, NULL);
    apply_ok(auth, b);
    apply_ok(kiosk, b);
    for (k = 2; k <= CHAIN + 1; k++) {
        int added = 0, removed = 0, updated = 0;
        tu_at(feed, "chain-delta.csv");
        f = feed_open(feed);
        while (added < 5) { /* new documents */
            row(f, 7, next, 0, "add");
            present[next++] = 1;
            added++;
        }
        while (removed < 3) { /* some present ones go */
            i = tu_rand(&seed) % next;
            if (!present[i])
                continue;
            row(f, 7, i, version[i], "remove");
            present[i] = 0;
            removed++;
        }
        while (updated < 1) { /* one changes its details */
            i = tu_rand(&seed) % next;
            if (!present[i])
                continue;
            row(f, 7, i, ++version[i], "add");
            updated++;
        }
        if (k % 10 == 0) { /* and now and then a removed one comes back */
            for (i = 0; i < next && present[i]; i++)
                ;
            if (i < next) {
                row(f, 7, i, ++version[i], "add");
                present[i] = 1;
            }
        }
        tu_feed_close(f);
        snprintf(b, sizeof b, "%s/chain-%d.sltd", tu_dir, k);
        pack(&r, auth, feed, b, (uint64_t)k, 1, (uint64_t)k - 1, 7, NULL);
        apply_ok(auth, b);
        apply_ok(kiosk, b);
        sk = take(kiosk);
        ck_assert_mem_eq(sk.checksum, r.checksum, 16);
        ck_assert_uint_eq(sk.records, r.records);
    }
    sa = take(auth);
    sk = take(kiosk);
    ck_assert_mem_eq(sa.checksum, sk.checksum, 16);
    ck_assert_uint_eq(sk.sequence, CHAIN + 1);
    /* one full bundle of the final state, applied to a fresh database */
    tu_at(feed, "chain-final.csv");
    f = feed_open(feed);
    for (i = 0; i < next; i++)
        if (present[i])
            row(f, 7, i, version[i], "add");
    tu_feed_close(f);
    tu_at(b, "chain-final.sltd");
    pack(&r, NULL, feed, b, CHAIN + 2, 0, 0, 7, NULL);
    ck_assert_mem_eq(r.checksum, sk.checksum, 16);
    fresh = open_db("fresh", 1);
    apply_ok(fresh, b);
    sf = take(fresh);
    ck_assert_mem_eq(sf.checksum, sk.checksum, 16);
    ck_assert_uint_eq(sf.records, sk.records);
    ck_assert_uint_eq(sf.documents, sk.documents); /* (a document added and removed in one delta once
                                                      decremented the count: regression check) */
    for (i = 0; i < next; i++) {
        listed(kiosk, 7, i, present[i]);
        listed(fresh, 7, i, present[i]);
    }
    fprintf(stderr, "chain: %d deltas, %llu records at the end, same checksum as one full bundle\n", CHAIN,
            (unsigned long long)sk.records);
    sltd_db_close(fresh);
    sltd_db_close(auth);
    sltd_db_close(kiosk);
}
END_TEST

/* ---- no plaintext in a bundle ---- */

START_TEST(no_plaintext_in_bundles)
{
    char feed[4096], b[2][4096], num[16], *buf;
    sltd_bundle_report r = SLTD_BUNDLE_REPORT_INIT;
    sltd_db *auth = open_db("auth", 1);
    unsigned long i;
    size_t len;
    int j;
    FILE *f;

    tu_at(feed, "f.csv");
    ck_assert_int_eq(tu_feed(feed, 8, 0, 2000), 0);
    tu_at(b[0], "full.sltd");
    pack(&r, NULL, feed, b[0], 1, 0, 0, 7, NULL);
    apply_ok(auth, b[0]);
    f = feed_open(feed);
    rows(f, 8, 2000, 2500, 0, "add");
    rows(f, 8, 0, 500, 0, "remove");
    tu_feed_close(f);
    tu_at(b[1], "delta.sltd");
    pack(&r, auth, feed, b[1], 2, 1, 1, 7, NULL);
    for (j = 0; j < 2; j++) {
        buf = tu_load(b[j], &len);
        ck_assert_ptr_nonnull(buf);
        for (i = 0; i < 2500; i++) {
            tu_number(num, 8, i);
            ck_assert_msg(memmem(buf, len, num, strlen(num)) == NULL, "%s holds %s", b[j], num);
            ck_assert_msg(memmem(buf, len, num + 2, 7) == NULL, "%s holds %s", b[j], num + 2);
        }
        free(buf);
    }
    /* and no temporary file was left behind */
    {
        DIR *d = opendir(tu_dir);
        struct dirent *e;
        ck_assert_ptr_nonnull(d);
        while ((e = readdir(d)) != NULL)
            ck_assert_msg(strstr(e->d_name, ".sltd.") == NULL, "left behind: %s", e->d_name);
        closedir(d);
    }
    sltd_db_close(auth);
}
END_TEST

/* ---- readers in another process during applies ---- */

enum { R_INITIAL = 1000, R_STEPS = 20, R_ADD = 200, R_DEL = 40 };

typedef struct rshared {
    _Atomic int done;
    _Atomic long checks, misses, mixed, stale, errors;
    _Atomic int states_seen[R_STEPS + 1];
    char first[128];
} rshared;

static rshared *rs;
static uint8_t state_sum[R_STEPS + 1][16];

/* state k (0: the full bundle; k: after delta k) has R_INITIAL + k*(R_ADD - R_DEL) records; the
 * initial documents [0, k*R_DEL) are removed, added documents R_INITIAL + [0, k*R_ADD) are present */
static void reader_process(const char *dir)
{
    sltd_options o = SLTD_OPTIONS_INIT;
    sltd_db *db = NULL;
    uint64_t seed = 7;
    char num[16];

    o.flags = SLTD_OPEN_READONLY;
    o.key_path = keyfile;
    if (sltd_db_open(&db, dir, &o) != 0)
        _exit(2);
    while (!atomic_load(&rs->done)) {
        sltd_stats st = SLTD_STATS_INIT;
        sltd_result r = SLTD_RESULT_INIT;
        uint64_t k;
        int i;
        if (sltd_db_stats_get(&st, db) != 0) {
            atomic_fetch_add(&rs->errors, 1);
            continue;
        }
        if (st.records < R_INITIAL || (st.records - R_INITIAL) % (R_ADD - R_DEL) != 0 ||
            (k = (st.records - R_INITIAL) / (R_ADD - R_DEL)) > R_STEPS || memcmp(st.checksum, state_sum[k], 16) != 0 ||
            st.sequence != k + 1) {
            if (atomic_fetch_add(&rs->mixed, 1) == 0)
                snprintf(rs->first, sizeof rs->first, "records %llu sequence %llu: not a published state",
                         (unsigned long long)st.records, (unsigned long long)st.sequence);
            continue;
        }
        atomic_store(&rs->states_seen[k], 1);
        for (i = 0; i < 100; i++) {
            /* present in every state from k on: must be listed */
            unsigned long d = R_INITIAL + (k == 0 ? 0 : tu_rand(&seed) % (k * R_ADD));
            if (k == 0)
                d = R_STEPS * R_DEL + tu_rand(&seed) % (R_INITIAL - R_STEPS * R_DEL); /* never removed */
            tu_number(num, 9, d);
            if (sltd_db_lookup(&r, db, "UTO", num, NULL) != 0) {
                atomic_fetch_add(&rs->errors, 1);
                continue;
            }
            atomic_fetch_add(&rs->checks, 1);
            if (!r.listed && atomic_fetch_add(&rs->misses, 1) == 0)
                snprintf(rs->first, sizeof rs->first, "false negative %s in state %llu", num, (unsigned long long)k);
            /* removed in a state <= k, never re-added: must not be listed */
            if (k > 0) {
                tu_number(num, 9, tu_rand(&seed) % (k * R_DEL));
                if (sltd_db_lookup(&r, db, "UTO", num, NULL) != 0)
                    atomic_fetch_add(&rs->errors, 1);
                else if (r.listed && atomic_fetch_add(&rs->stale, 1) == 0)
                    snprintf(rs->first, sizeof rs->first, "removed %s still listed in state %llu", num,
                             (unsigned long long)k);
            }
        }
    }
    sltd_db_close(db);
    _exit(0);
}

START_TEST(readers_during_applies)
{
    char feed[4096], b[R_STEPS + 1][4096], dir[4096];
    sltd_bundle_report r = SLTD_BUNDLE_REPORT_INIT;
    sltd_db *auth = open_db("auth", 1), *kiosk = open_db("kiosk", 1);
    unsigned long i;
    int k, status, seen = 0;
    pid_t pid;
    FILE *f;

    rs = mmap(NULL, sizeof *rs, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    ck_assert_ptr_ne(rs, MAP_FAILED);
    memset(rs, 0, sizeof *rs);
    tu_at(feed, "r0.csv");
    ck_assert_int_eq(tu_feed(feed, 9, 0, R_INITIAL), 0);
    tu_at(b[0], "r0.sltd");
    pack(&r, NULL, feed, b[0], 1, 0, 0, 7, NULL);
    memcpy(state_sum[0], r.checksum, 16);
    apply_ok(auth, b[0]);
    apply_ok(kiosk, b[0]);
    for (k = 1; k <= R_STEPS; k++) {
        tu_at(feed, "rk.csv");
        f = feed_open(feed);
        for (i = R_INITIAL + (unsigned long)(k - 1) * R_ADD; i < R_INITIAL + (unsigned long)k * R_ADD; i++)
            row(f, 9, i, 0, "add");
        for (i = (unsigned long)(k - 1) * R_DEL; i < (unsigned long)k * R_DEL; i++)
            row(f, 9, i, 0, "remove");
        tu_feed_close(f);
        snprintf(b[k], sizeof b[k], "%s/r%d.sltd", tu_dir, k);
        pack(&r, auth, feed, b[k], (uint64_t)k + 1, 1, (uint64_t)k, 7, NULL);
        memcpy(state_sum[k], r.checksum, 16);
        apply_ok(auth, b[k]);
    }
    sltd_db_close(auth);
    sltd_db_close(kiosk);

    tu_at(dir, "kiosk");
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0)
        reader_process(dir);
    kiosk = open_db("kiosk", 0);
    usleep(50000);
    for (k = 1; k <= R_STEPS; k++) {
        apply_ok(kiosk, b[k]);
        usleep(20000);
    }
    usleep(50000);
    atomic_store(&rs->done, 1);
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "reader process failed");
    for (k = 0; k <= R_STEPS; k++)
        seen += atomic_load(&rs->states_seen[k]);
    fprintf(stderr, "readers: %ld checks over %d of %d states, %ld false negatives, %ld mixed, %ld stale, %ld errors\n",
            atomic_load(&rs->checks), seen, R_STEPS + 1, atomic_load(&rs->misses), atomic_load(&rs->mixed),
            atomic_load(&rs->stale), atomic_load(&rs->errors));
    ck_assert_msg(atomic_load(&rs->misses) == 0 && atomic_load(&rs->mixed) == 0 && atomic_load(&rs->stale) == 0,
                  "%s", rs->first);
    ck_assert_int_eq(atomic_load(&rs->errors), 0);
    ck_assert_int_gt(seen, 5);
    ck_assert_int_gt(atomic_load(&rs->checks), 1000);
    /* and after the last apply, everything */
    for (i = R_STEPS * R_DEL; i < R_INITIAL + R_STEPS * R_ADD; i++)
        listed(kiosk, 9, i, 1);
    sltd_db_close(kiosk);
    munmap(rs, sizeof *rs);
}
END_TEST

/* ---- the parser on its fuzz corpus ---- */

START_TEST(corpus_replay)
{
    const char *dir = getenv("SLTD_BUNDLE_CORPUS");
    struct dirent *e;
    int files = 0, good = 0;
    DIR *d;

    ck_assert_ptr_nonnull(dir);
    d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    while ((e = readdir(d)) != NULL) {
        char p[4096];
        sltd__entries en = { NULL, 0, 0 };
        sltd__bundle_hdr h;
        uint8_t *buf;
        size_t len, cut;
        int rc;
        if (e->d_name[0] == '.')
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        buf = (uint8_t *)tu_load(p, &len);
        ck_assert_ptr_nonnull(buf);
        rc = sltd__bundle_parse(&h, &en, buf, len, p);
        if (strncmp(e->d_name, "valid", 5) == 0) {
            ck_assert_msg(rc == 0, "%s: %s", p, sltd_error_detail());
            ck_assert_uint_eq(en.n, h.count);
            good++;
        } else {
            ck_assert_msg(rc == SLTD_EFORMAT, "%s: %d", p, rc);
        }
        sltd__entries_free(&en);
        /* every prefix of a valid one too: never a crash, never a success short of the whole */
        for (cut = 0; strncmp(e->d_name, "valid", 5) == 0 && cut < len; cut++) {
            rc = sltd__bundle_parse(&h, NULL, buf, cut, p);
            ck_assert_msg(rc == SLTD_EFORMAT || (rc == 0 && cut == len), "%s cut at %zu: %d", p, cut, rc);
        }
        free(buf);
        files++;
    }
    closedir(d);
    ck_assert_int_ge(files, 4);
    ck_assert_int_ge(good, 2);
}
END_TEST

int main(void)
{
    const TTest *const tests[] = {
        round_trip_full_and_delta, replay_rollback_base_expiry_keys, pack_refusals,
        tampered_truncated_extended_oversize, signed_but_malformed, chain_of_100_deltas,
        no_plaintext_in_bundles, readers_during_applies, corpus_replay
    };

    return tu_main("bundle", 600, setup, teardown, tests, TU_COUNT(tests));
}
