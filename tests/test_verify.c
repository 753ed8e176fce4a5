/* SPDX-License-Identifier: Apache-2.0 */
/* test_verify.c — sltd_db_verify recomputes what a replica claims: it passes on good data and fails on
 * each kind of damage, injected below the public API. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "meta.h"
#include "record.h"
#include "testutil.h"

static char *tmp;
static char dir[4096], feed[4096];
static sltd_db *db;

/* The handle's store and filter, to damage things below the public API. */
static sltd__store *store_of(sltd_db *h)
{
    sltd__db_parts p;

    sltd__db_parts_get(&p, h);
    return p.store;
}

static sltd__bloom *filter_of(sltd_db *h)
{
    sltd__db_parts p;

    sltd__db_parts_get(&p, h);
    return sltd__filter_lookup(p.filter);
}

static void setup(void)
{
    sltd_options o = SLTD_OPTIONS_INIT;

    tmp = tu_mkdtemp("verify");
    ck_assert_ptr_nonnull(tmp);
    tu_path(dir, sizeof dir, tmp, "db");
    tu_path(feed, sizeof feed, tmp, "feed.csv");
    o.flags = SLTD_OPEN_CREATE;
    ck_assert_int_eq(sltd_db_open(&db, dir, &o), 0);
    ck_assert_int_eq(tu_feed(feed, 30, 0, 3000), 0);
    ck_assert_int_eq(sltd_db_import_feed(NULL, db, feed, 0), 0);
}

static void teardown(void)
{
    sltd_db_close(db);
    tu_rmtree(tmp);
    free(tmp);
}

START_TEST(good_data_verifies)
{
    sltd_verify_report r = SLTD_VERIFY_REPORT_INIT;
    sltd_stats st = SLTD_STATS_INIT;

    ck_assert_int_eq(sltd_db_verify(&r, db), 0);
    ck_assert_uint_eq(r.records, 3000);
    ck_assert_uint_eq(r.documents, 3000);
    ck_assert(r.counts_ok && r.checksum_ok && r.filter_checked);
    ck_assert_uint_eq(r.filter_missing, 0);
    ck_assert_int_eq(sltd_db_stats_get(&st, db), 0);
    ck_assert_mem_eq(st.checksum, r.checksum, 16);
}
END_TEST

/* A record written behind the write path's back: counts and checksum no longer agree. */
START_TEST(record_behind_the_back)
{
    sltd_verify_report r = SLTD_VERIFY_REPORT_INIT;
    sltd_record rec = { "P", "", SLTD_STATUS_LOST, 0, 0, "" };
    uint8_t d[16], val[SLTD__REC_MAX];
    sltd__txn *w;

    ck_assert_int_eq(sltd_db_digest(d, db, "UTO", "ZZ9999999"), 0);
    ck_assert_int_eq(sltd__store_write_begin(store_of(db), &w), 0);
    ck_assert_int_eq(sltd__store_put(w, d, val, sltd__record_encode(val, &rec), 0), 0);
    ck_assert_int_eq(sltd__store_commit(store_of(db), w), 0);
    ck_assert_int_eq(sltd_db_verify(&r, db), SLTD_ECORRUPT);
    ck_assert(!r.counts_ok);
    ck_assert_ptr_nonnull(strstr(sltd_error_detail(), "scan found 3001"));
}
END_TEST

/* A listing's details changed behind the back: same counts, different checksum. */
START_TEST(changed_details)
{
    sltd_verify_report r = SLTD_VERIFY_REPORT_INIT;
    uint8_t d[16], val[SLTD__VALUE_MAX];
    const uint8_t *cur;
    size_t len;
    sltd__txn *w;
    char num[16];

    tu_number(num, 30, 17);
    ck_assert_int_eq(sltd_db_digest(d, db, "UTO", num), 0);
    ck_assert_int_eq(sltd__store_write_begin(store_of(db), &w), 0);
    ck_assert_int_eq(sltd__store_get(w, d, &cur, &len), 0);
    memcpy(val, cur, len);
    val[1] = val[1] == SLTD_STATUS_LOST ? SLTD_STATUS_STOLEN : SLTD_STATUS_LOST; /* the status byte */
    ck_assert_int_eq(sltd__store_put(w, d, val, len, 0), 0);
    ck_assert_int_eq(sltd__store_commit(store_of(db), w), 0);
    ck_assert_int_eq(sltd_db_verify(&r, db), SLTD_ECORRUPT);
    ck_assert(r.counts_ok);
    ck_assert(!r.checksum_ok);
}
END_TEST

/* A damaged record value is found by decoding. */
START_TEST(undecodable_record)
{
    uint8_t d[16], bad[5] = { 9, 9, 9, 9, 9 };
    sltd__txn *w;
    char num[16];

    tu_number(num, 30, 5);
    ck_assert_int_eq(sltd_db_digest(d, db, "UTO", num), 0);
    ck_assert_int_eq(sltd__store_write_begin(store_of(db), &w), 0);
    ck_assert_int_eq(sltd__store_put(w, d, bad, sizeof bad, 0), 0);
    ck_assert_int_eq(sltd__store_commit(store_of(db), w), 0);
    ck_assert_int_eq(sltd_db_verify(NULL, db), SLTD_ECORRUPT);
}
END_TEST

/* Bits cleared in the filter a handle has already attached (so its file checksum, checked at attach,
 * is not looked at again): the coverage check reports the documents the filter misses. */
START_TEST(filter_misses_documents)
{
    sltd_verify_report r = SLTD_VERIFY_REPORT_INIT;
    sltd__bloom *b = filter_of(db);
    uint64_t i, blk;
    uint8_t d[16];
    char num[16];

    ck_assert_ptr_nonnull(b);
    tu_number(num, 30, 42);
    ck_assert_int_eq(sltd_db_digest(d, db, "UTO", num), 0);
    blk = sltd__bloom_block(b, d);
    sltd__bloom_write_begin(b);
    for (i = 0; i < 8; i++)
        atomic_store(&b->words[blk * 8 + i], 0); /* that document's block emptied */
    sltd__bloom_write_end(b, 0);
    ck_assert_int_eq(sltd_db_verify(&r, db), SLTD_ECORRUPT);
    ck_assert_uint_gt(r.filter_missing, 0);
    ck_assert(r.counts_ok && r.checksum_ok);
}
END_TEST

/* Freshness: every answer carries the data's sequence and times, stale data is flagged, and a handle
 * opened with SLTD_OPEN_REFUSE_STALE refuses to answer from it. (Expiry set below the API: a bundle
 * that expires in the past is refused at apply, so data can only go stale by waiting.) */
START_TEST(stale_data_flagged_or_refused)
{
    sltd_options o = SLTD_OPTIONS_INIT;
    sltd_result r = SLTD_RESULT_INIT;
    sltd_stats st = SLTD_STATS_INIT;
    uint8_t b[8];
    sltd__txn *w;
    char num[16];
    int64_t now = (int64_t)time(NULL);

    tu_number(num, 30, 3);
    ck_assert_int_eq(sltd_db_lookup(&r, db, "UTO", num, NULL), 0);
    ck_assert(r.listed && !r.stale);
    ck_assert_int_eq(r.data_expires, 0);
    ck_assert_int_eq(sltd__store_write_begin(store_of(db), &w), 0);
    sltd__meta_encode_u64(b, 7);
    ck_assert_int_eq(sltd__store_meta_put(w, META_SEQUENCE, b, 8), 0);
    sltd__meta_encode_u64(b, (uint64_t)(now - 9 * 86400));
    ck_assert_int_eq(sltd__store_meta_put(w, META_PRODUCED, b, 8), 0);
    sltd__meta_encode_u64(b, (uint64_t)(now - 2 * 86400));
    ck_assert_int_eq(sltd__store_meta_put(w, META_EXPIRES, b, 8), 0);
    ck_assert_int_eq(sltd__store_commit(store_of(db), w), 0);
    ck_assert_int_eq(sltd_db_lookup(&r, db, "UTO", num, NULL), 0); /* a hit */
    ck_assert(r.listed && r.stale);
    ck_assert_uint_eq(r.data_sequence, 7);
    ck_assert_int_eq(r.data_expires, now - 2 * 86400);
    ck_assert_int_eq(sltd_db_lookup(&r, db, "UTO", "ZZ0000001", NULL), 0); /* a miss, which never reads LMDB */
    ck_assert(!r.listed && r.stale);
    ck_assert_int_eq(sltd_db_stats_get(&st, db), 0);
    ck_assert_int_eq(st.expires, now - 2 * 86400);
    sltd_db_close(db);
    o.flags = SLTD_OPEN_READONLY | SLTD_OPEN_REFUSE_STALE;
    ck_assert_int_eq(sltd_db_open(&db, dir, &o), 0);
    ck_assert_int_eq(sltd_db_lookup(&r, db, "UTO", num, NULL), SLTD_EEXPIRED);
    ck_assert_int_eq(r.error, SLTD_EEXPIRED);
    {
        sltd_query q = { "UTO", num, NULL };
        ck_assert_int_eq(sltd_db_lookup_batch(&r, db, &q, 1), SLTD_EEXPIRED);
    }
}
END_TEST

int main(void)
{
    const TTest *const tests[] = {
        good_data_verifies, record_behind_the_back, changed_details, undecodable_record,
        filter_misses_documents, stale_data_flagged_or_refused
    };

    return tu_main("verify", 60, setup, teardown, tests, TU_COUNT(tests));
}
