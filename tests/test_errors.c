/* SPDX-License-Identifier: Apache-2.0 */
/* test_errors.c — black box: every public entry point forgets the last call's error detail when it
 * starts, and leaves a detail of its own on every error return (sltd_error_detail).
 *
 * Its declarations of one initialised report of each kind resemble test_api's on purpose:
 * declarations, not a rule. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sltd.h"
#include "testutil.h"

static sltd_db *db;
static char dbdir[4096], feed[4096], stale_text[1024];

static const char MRZ[] = "P<UTOSPECIMEN<<ANNA<<<<<<<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10\n";
static const char MRZ_BAD[] = "P<UTOSPECIMEN<<ANNA<<<<<<<<<<<<<<<<<<<<<<<<<\nL898902C36UT\n";

/* Leave a detail behind: a failed lookup of a state that is no ICAO code. */
static void stale(void)
{
    sltd_result r = SLTD_RESULT_INIT;

    ck_assert_int_eq(sltd_db_lookup(&r, db, "DEU", "X1", NULL), SLTD_ESTATE);
    ck_assert_str_eq(sltd_error_detail(), stale_text);
}

/* A call that succeeds leaves no detail; one that fails leaves its own. */
#define OK_CALL(call)                                                                                         \
    do {                                                                                                      \
        int rc_;                                                                                              \
        stale();                                                                                              \
        rc_ = (call);                                                                                         \
        ck_assert_msg(rc_ == 0, "%s: %s (%s)", #call, sltd_error_text(rc_), sltd_error_detail());               \
        ck_assert_msg(sltd_error_detail()[0] == '\0', "%s left the detail '%s'", #call, sltd_error_detail()); \
    } while (0)
#define FAIL_CALL(call, code)                                                                                 \
    do {                                                                                                      \
        int rc_;                                                                                              \
        stale();                                                                                              \
        rc_ = (call);                                                                                         \
        ck_assert_msg(rc_ == (code), "%s: %s, want %s", #call, sltd_error_text(rc_), sltd_error_text(code));     \
        ck_assert_msg(sltd_error_detail()[0] != '\0' && strcmp(sltd_error_detail(), stale_text) != 0,        \
                      "%s: detail '%s'", #call, sltd_error_detail());                                         \
        ck_assert_str_eq(sltd_error_detail(), sltd_error_detail());                                             \
    } while (0)

static void setup(void)
{
    sltd_options o = SLTD_OPTIONS_INIT;
    sltd_import_report r = SLTD_IMPORT_REPORT_INIT;
    sltd_result res = SLTD_RESULT_INIT;

    tu_scratch("errors");
    tu_at(dbdir, "db");
    tu_at(feed, "feed.csv");
    ck_assert_int_eq(tu_write(feed, "state,number,type\nUTO,L898902C3,P\n"), 0);
    o.flags = SLTD_OPEN_CREATE;
    ck_assert_int_eq(sltd_db_open(&db, dbdir, &o), 0);
    ck_assert_int_eq(sltd_db_import_feed(&r, db, feed, 0), 0);
    ck_assert_int_eq(sltd_db_lookup(&res, db, "DEU", "X1", NULL), SLTD_ESTATE);
    snprintf(stale_text, sizeof stale_text, "%s", sltd_error_detail());
}

static void teardown(void)
{
    sltd_db_close(db);
    db = NULL;
    tu_scratch_end();
}

/* The hint for a common wrong state code is in the detail; the value itself is not repeated. */
START_TEST(state_hints)
{
    static const char *const wrong[][2] = {
        { "DEU", "Germany is D" }, { "GER", "Germany is D" }, { "UK", "GBR" }, { "GB", "GBR" },
        { "US", "USA" },           { "KOS", "RKS" },          { "ROM", "ROU" },
    };
    char out[SLTD_STATE_MAX + 1];
    size_t i;

    ck_assert_ptr_nonnull(strstr(stale_text, "Germany is D in ICAO 9303"));
    for (i = 0; i < sizeof wrong / sizeof wrong[0]; i++) {
        ck_assert_int_eq(sltd_state_normalize(out, wrong[i][0]), SLTD_ESTATE);
        ck_assert_msg(strstr(sltd_error_detail(), wrong[i][1]) != NULL, "%s: %s", wrong[i][0], sltd_error_detail());
    }
    ck_assert_int_eq(sltd_state_normalize(out, "QQQ"), SLTD_ESTATE); /* no hint, still a reason */
    ck_assert_ptr_nonnull(strstr(sltd_error_detail(), "not an ICAO 9303 state code"));
    ck_assert_ptr_null(strstr(sltd_error_detail(), "QQQ"));
}
END_TEST

/* Every entry point, once succeeding and once failing, each time after another call's error. */
START_TEST(every_entry_point)
{
    sltd_result r = SLTD_RESULT_INIT, batch[2] = { SLTD_RESULT_INIT, SLTD_RESULT_INIT };
    sltd_query q[2] = { { "UTO", "L898902C3", NULL }, { "UTO", "X1", NULL } };
    sltd_stats st = SLTD_STATS_INIT;
    sltd_verify_report vr = SLTD_VERIFY_REPORT_INIT;
    sltd_import_report ir = SLTD_IMPORT_REPORT_INIT;
    sltd_import_options io = SLTD_IMPORT_OPTIONS_INIT;
    sltd_screen_report sr = SLTD_SCREEN_REPORT_INIT;
    sltd_bundle_report br = SLTD_BUNDLE_REPORT_INIT;
    sltd_pack_options po = SLTD_PACK_OPTIONS_INIT;
    sltd_publish_options pub = SLTD_PUBLISH_OPTIONS_INIT;
    sltd_publish_report pr = SLTD_PUBLISH_REPORT_INIT;
    sltd_sync_options so = SLTD_SYNC_OPTIONS_INIT;
    sltd_sync_report syr = SLTD_SYNC_REPORT_INIT;
    sltd_sync_state ss = SLTD_SYNC_STATE_INIT;
    sltd_keylist_info kl = SLTD_KEYLIST_INFO_INIT;
    sltd_mrz m = SLTD_MRZ_INIT;
    sltd_mrz_evidence ev = SLTD_MRZ_EVIDENCE_INIT;
    sltd_mrz_answer a = SLTD_MRZ_ANSWER_INIT;
    sltd_options o = SLTD_OPTIONS_INIT;
    sltd_db *other = NULL, *kiosk = NULL;
    uint8_t d[SLTD_DIGEST_SIZE], id[SLTD_KEYID_SIZE];
    char s[SLTD_STATE_MAX + 1], n[SLTD_NUMBER_MAX + 1], t[SLTD_TYPE_MAX + 1];
    char path[4096], manifest[4096], prefix[4096], sec[4096], pub_s[4096], root[4096], root_sec[4096],
        root_pub[4096], keys[4096], bundle[4096], repo[4096], replica[4096], replica_key[4096], kdir[4096];
    const char *trusted[1], *roots[1];

    /* the database */
    tu_at(path, "other");
    o.flags = SLTD_OPEN_CREATE;
    OK_CALL(sltd_db_open(&other, path, &o));
    stale();
    sltd_db_close(other); /* close leaves the detail alone: a caller may close, then report */
    ck_assert_str_eq(sltd_error_detail(), stale_text);
    tu_at(path, "missing");
    FAIL_CALL(sltd_db_open(&other, path, NULL), SLTD_ENOENT);
    OK_CALL(sltd_db_lookup(&r, db, "UTO", "L898902C3", NULL));
    FAIL_CALL(sltd_db_lookup(&r, db, "UTO", "A.1", NULL), SLTD_ENUMBER);
    FAIL_CALL(sltd_db_lookup(&r, NULL, "UTO", "X1", NULL), SLTD_EINVAL);
    OK_CALL(sltd_db_lookup_batch(batch, db, q, 2));
    FAIL_CALL(sltd_db_lookup_batch(batch, NULL, q, 2), SLTD_EINVAL);
    OK_CALL(sltd_db_digest(d, db, "UTO", "X1"));
    FAIL_CALL(sltd_db_digest(d, db, "UTO", ""), SLTD_ENUMBER);
    OK_CALL(sltd_state_normalize(s, "d<<"));
    FAIL_CALL(sltd_state_normalize(s, "D1"), SLTD_ESTATE);
    OK_CALL(sltd_number_normalize(n, "ab-12"));
    FAIL_CALL(sltd_number_normalize(n, NULL), SLTD_EINVAL);
    OK_CALL(sltd_type_normalize(t, " id<"));
    FAIL_CALL(sltd_type_normalize(t, "P1"), SLTD_ETYPE);
    OK_CALL(sltd_db_stats_get(&st, db));
    FAIL_CALL(sltd_db_stats_get(&st, NULL), SLTD_EINVAL);
    OK_CALL(sltd_db_verify(&vr, db));
    FAIL_CALL(sltd_db_verify(&vr, NULL), SLTD_EINVAL);
    OK_CALL(sltd_db_import_feed(&ir, db, feed, 0));
    FAIL_CALL(sltd_db_import_feed(&ir, db, path, 0), SLTD_ENOENT);
    OK_CALL(sltd_db_import_feed_ex(&ir, db, feed, &io));
    FAIL_CALL(sltd_db_import_feed_ex(&ir, NULL, feed, &io), SLTD_EINVAL);
    tu_at(manifest, "m.csv");
    ck_assert_int_eq(tu_write(manifest, "state,number\nUTO,X1\nDEU,X2\n"), 0);
    OK_CALL(sltd_db_screen(&sr, db, manifest, NULL)); /* an invalid row is not an error of the call */
    FAIL_CALL(sltd_db_screen(&sr, db, path, NULL), SLTD_ENOENT);

    /* MRZ */
    OK_CALL(sltd_mrz_parse(&m, MRZ, strlen(MRZ)));
    FAIL_CALL(sltd_mrz_parse(&m, MRZ_BAD, strlen(MRZ_BAD)), SLTD_EMRZ);
    ck_assert_ptr_nonnull(strstr(sltd_error_detail(), "MRZ line 2"));
    OK_CALL(sltd_mrz_parse_ex(&m, &ev, MRZ, strlen(MRZ), 0));
    FAIL_CALL(sltd_mrz_parse_ex(&m, &ev, MRZ, strlen(MRZ), 1u << 9), SLTD_EINVAL);
    OK_CALL(sltd_db_lookup_mrz(&a, db, MRZ, strlen(MRZ), 0));
    FAIL_CALL(sltd_db_lookup_mrz(&a, db, MRZ_BAD, strlen(MRZ_BAD), 0), SLTD_EMRZ);
    OK_CALL(sltd_db_lookup_mrz_ex(&a, &ev, db, MRZ, strlen(MRZ), SLTD_MRZ_OCR_VARIANTS));
    FAIL_CALL(sltd_db_lookup_mrz_ex(&a, &ev, NULL, MRZ, strlen(MRZ), 0), SLTD_EINVAL);

    /* bundles */
    tu_at(prefix, "sign");
    OK_CALL(sltd_signing_key_create(id, prefix));
    FAIL_CALL(sltd_signing_key_create(id, prefix), SLTD_EEXIST);
    tu_at(sec, "sign.sec");
    tu_at(pub_s, "sign.pub");
    tu_at(bundle, "full.sltd");
    tu_at(path, "db.key");
    po.key_path = path;
    po.sign_path = sec;
    po.sequence = 1;
    OK_CALL(sltd_bundle_pack(&br, NULL, feed, bundle, &po));
    FAIL_CALL(sltd_bundle_pack(&br, NULL, feed, bundle, NULL), SLTD_EINVAL);
    trusted[0] = pub_s;
    OK_CALL(sltd_bundle_apply(&br, db, bundle, trusted, 1, 0));
    FAIL_CALL(sltd_bundle_apply(&br, db, bundle, trusted, 1, 0), SLTD_ESEQUENCE); /* a replay */

    /* fleet: root, key list, publish, sync */
    tu_at(root, "root");
    ck_assert_int_eq(sltd_signing_key_create(NULL, root), 0);
    tu_at(root_sec, "root.sec");
    tu_at(root_pub, "root.pub");
    tu_at(keys, "keys.sltd");
    OK_CALL(sltd_key_certify(&kl, keys, root_sec, pub_s, 0, 30));
    FAIL_CALL(sltd_key_certify(&kl, keys, root_sec, pub_s, 0, 0), SLTD_EINVAL);
    tu_at(prefix, "other-sign");
    ck_assert_int_eq(sltd_signing_key_create(NULL, prefix), 0);
    tu_at(path, "other-sign.pub");
    ck_assert_int_eq(sltd_key_certify(&kl, keys, root_sec, path, 0, 30), 0);
    OK_CALL(sltd_key_revoke(&kl, keys, root_sec, path));
    FAIL_CALL(sltd_key_revoke(&kl, keys, root_sec, root_pub), SLTD_EINVAL); /* not in the list */
    tu_at(replica, "replica");
    tu_at(repo, "repo");
    o.flags = SLTD_OPEN_CREATE;
    ck_assert_int_eq(sltd_db_open(&other, replica, &o), 0);
    pub.sign_path = sec;
    pub.keys_path = keys;
    OK_CALL(sltd_publish(&pr, other, repo, feed, &pub));
    FAIL_CALL(sltd_publish(&pr, other, repo, feed, NULL), SLTD_EINVAL);
    tu_at(replica_key, "replica.key");
    tu_at(kdir, "kiosk");
    o.key_path = replica_key; /* a kiosk of the same deployment */
    ck_assert_int_eq(sltd_db_open(&kiosk, kdir, &o), 0);
    roots[0] = root_pub;
    so.roots = roots;
    so.nroots = 1;
    OK_CALL(sltd_sync(&syr, kiosk, repo, &so));
    so.retries = 0;
    FAIL_CALL(sltd_sync(&syr, kiosk, path, &so), SLTD_ENETWORK); /* no repository there */
    OK_CALL(sltd_sync_state_get(&ss, kiosk));
    FAIL_CALL(sltd_sync_state_get(&ss, NULL), SLTD_EINVAL);
    sltd_db_close(kiosk);
    sltd_db_close(other);
}
END_TEST

int main(void)
{
    const TTest *const tests[] = { state_hints, every_entry_point };

    return tu_main("errors", 120, setup, teardown, tests, TU_COUNT(tests));
}
