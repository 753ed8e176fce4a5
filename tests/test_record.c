/* SPDX-License-Identifier: Apache-2.0 */
/* test_record.c — the record encoding, day counts, and the order of keys in LMDB. */
#include <check.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "date.h"
#include "record.h"
#include "store.h"
#include "testutil.h"

/* Every day the store can hold, against the C library's calendar (an independent oracle). */
START_TEST(days_match_gmtime)
{
    unsigned d;

    ck_assert_uint_eq(sltd__date_from_days(0), 0);
    ck_assert_uint_eq(sltd__date_to_days(0), 0);
    for (d = 1; d <= 65535; d++) {
        time_t t = (time_t)d * 86400;
        struct tm tm;
        uint32_t want, got = sltd__date_from_days((uint16_t)d);

        ck_assert_ptr_nonnull(gmtime_r(&t, &tm));
        want = (uint32_t)(tm.tm_year + 1900) * 10000 + (uint32_t)(tm.tm_mon + 1) * 100 + (uint32_t)tm.tm_mday;
        ck_assert_msg(got == want, "day %u: %u, want %u", d, got, want);
        ck_assert_uint_eq(sltd__date_to_days(got), d);
        ck_assert(sltd__date_valid(got));
    }
    ck_assert_uint_eq(sltd__date_from_days(1), 19700102);
    ck_assert_uint_eq(sltd__date_from_days(65535), 21490606);
    ck_assert(!sltd__date_valid(19700101)); /* day 0 means "none" */
    ck_assert(!sltd__date_valid(21490607));
    ck_assert(!sltd__date_valid(21000229)); /* not a leap year */
    ck_assert(sltd__date_valid(20000229));
}
END_TEST

static void make_record(sltd_record *r, size_t reflen, unsigned seed)
{
    size_t i;

    memset(r, 0, sizeof *r);
    r->status = (uint8_t)(SLTD_STATUS_STOLEN + seed % (SLTD_STATUS_STOLEN_BLANK - SLTD_STATUS_STOLEN + 1));
    snprintf(r->type, sizeof r->type, "%s", seed % 2 ? "P" : "ID");
    snprintf(r->reporting_state, sizeof r->reporting_state, "%s", seed % 3 ? "FRA" : "D");
    r->reported = seed % 4 ? 20240229 : 0;
    r->expires = seed % 5 ? 21490606 : 19700102;
    for (i = 0; i < reflen; i++)
        r->reference[i] = (char)('A' + (i * 7 + seed) % 26);
}

/* Every reference length, decoded from a buffer of exactly the record's size (ASan and valgrind
 * would see a read past it). */
START_TEST(round_trip_every_length)
{
    uint8_t enc[SLTD__REC_MAX];
    sltd_record in, out;
    size_t len, used, reflen;
    unsigned seed;

    for (reflen = 0; reflen <= SLTD_REFERENCE_MAX; reflen++)
        for (seed = 0; seed < 60; seed++) {
            uint8_t *exact;
            make_record(&in, reflen, seed);
            len = sltd__record_encode(enc, &in);
            ck_assert_uint_eq(len, SLTD__REC_HDR + reflen);
            ck_assert_uint_eq(sltd__record_len(enc, len), len);
            exact = malloc(len);
            ck_assert_ptr_nonnull(exact);
            memcpy(exact, enc, len);
            memset(&out, 0x5a, sizeof out);
            ck_assert_int_eq(sltd__record_decode(&out, exact, len, &used), 0);
            free(exact);
            ck_assert_uint_eq(used, len);
            ck_assert_uint_eq(out.status, in.status);
            ck_assert_str_eq(out.type, in.type);
            ck_assert_str_eq(out.reporting_state, in.reporting_state);
            ck_assert_uint_eq(out.reported, in.reported);
            ck_assert_uint_eq(out.expires, in.expires);
            ck_assert_str_eq(out.reference, in.reference);
        }
}
END_TEST

START_TEST(damaged_records_refused)
{
    uint8_t enc[SLTD__REC_MAX], bad[SLTD__REC_MAX];
    sltd_record r, out;
    size_t len, used, cut;

    make_record(&r, 9, 1);
    len = sltd__record_encode(enc, &r);
    for (cut = 0; cut < len; cut++) /* truncated anywhere */
        ck_assert_int_eq(sltd__record_decode(&out, enc, cut, &used), SLTD_ECORRUPT);
    memcpy(bad, enc, len);
    bad[0] = 2; /* unknown version */
    ck_assert_int_eq(sltd__record_decode(&out, bad, len, &used), SLTD_ECORRUPT);
    memcpy(bad, enc, len);
    bad[1] = 0; /* no such status */
    ck_assert_int_eq(sltd__record_decode(&out, bad, len, &used), SLTD_ECORRUPT);
    bad[1] = SLTD_STATUS_STOLEN_BLANK + 1;
    ck_assert_int_eq(sltd__record_decode(&out, bad, len, &used), SLTD_ECORRUPT);
    memcpy(bad, enc, len);
    bad[11] = SLTD_REFERENCE_MAX + 1; /* reference longer than allowed */
    ck_assert_int_eq(sltd__record_decode(&out, bad, sizeof bad, &used), SLTD_ECORRUPT);
}
END_TEST

static int sign(int v)
{
    return (v > 0) - (v < 0);
}

/* LMDB's default order for keys without flags: memcmp over the shorter length, then shorter first. */
static int lmdb_default_order(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
    int rc = memcmp(a, b, al < bl ? al : bl);

    return rc != 0 ? sign(rc) : (al > bl) - (al < bl);
}

START_TEST(key_order_is_lmdb_default)
{
    static const uint8_t meta[] = "\001meta";
    uint8_t a[24], b[24];
    uint64_t rs = 42;
    unsigned i, j;

    for (i = 0; i < 200000; i++) {
        size_t al = i % 7 == 0 ? tu_rand(&rs) % 24 : 16, bl = i % 11 == 0 ? tu_rand(&rs) % 24 : 16;
        for (j = 0; j < 24; j += 8) {
            uint64_t x = tu_rand(&rs), y = tu_rand(&rs);
            memcpy(a + j, &x, 8);
            memcpy(b + j, &y, 8);
        }
        switch (i % 4) { /* shared prefixes of every length, and equal keys */
        case 1: memcpy(b, a, tu_rand(&rs) % 17); break;
        case 2: memcpy(b, a, 24); break;
        default: break;
        }
        if (i % 5 == 0) /* bytes that differ only in their top bit (signed vs unsigned compare) */
            b[tu_rand(&rs) % 16] ^= 0x80;
        ck_assert_int_eq(sign(sltd__store_key_order(a, al, b, bl)), lmdb_default_order(a, al, b, bl));
        ck_assert_int_eq(sign(sltd__store_key_order(b, bl, a, al)), lmdb_default_order(b, bl, a, al));
    }
    ck_assert_int_eq(sign(sltd__store_key_order(meta, 5, a, 16)), lmdb_default_order(meta, 5, a, 16));
}
END_TEST

/* A database written by sltd, read by a plain LMDB program (LMDB's tools): every key found, and a
 * cursor walks them in memcmp order. */
START_TEST(files_readable_with_default_order)
{
    char *dir = tu_mkdtemp("record");
    sltd__store *s;
    sltd__txn *w;
    MDB_env *env;
    MDB_txn *txn;
    MDB_cursor *c;
    MDB_dbi dbi;
    MDB_val k, v;
    uint8_t d[16], prev[16], val[SLTD__REC_MAX];
    sltd_record r;
    uint64_t rs = 7, x;
    unsigned i, n = 0;
    int rc, first = 1;

    ck_assert_ptr_nonnull(dir);
    make_record(&r, 9, 3);
    ck_assert_int_eq(sltd__store_open(&s, dir, SLTD__STORE_CREATE, 0, 16), 0);
    ck_assert_int_eq(sltd__store_write_begin(s, &w), 0);
    for (i = 0; i < 5000; i++) { /* random order: puts, not appends */
        x = tu_rand(&rs);
        memcpy(d, &x, 8);
        x = tu_rand(&rs);
        memcpy(d + 8, &x, 8);
        if (i % 3 == 0)
            d[0] = 0; /* some keys sort before the meta database's name */
        ck_assert_int_eq(sltd__store_put(w, d, val, sltd__record_encode(val, &r), 0), 0);
    }
    ck_assert_int_eq(sltd__store_commit(s, w), 0);
    sltd__store_close(s);

    ck_assert_int_eq(mdb_env_create(&env), 0);
    ck_assert_int_eq(mdb_env_open(env, dir, MDB_RDONLY, 0644), 0);
    ck_assert_int_eq(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), 0);
    ck_assert_int_eq(mdb_dbi_open(txn, NULL, 0, &dbi), 0);
    ck_assert_int_eq(mdb_cursor_open(txn, dbi, &c), 0);
    while ((rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) == 0) {
        MDB_val again = k, got;
        if (k.mv_size != 16)
            continue; /* the meta database's name */
        ck_assert(first || memcmp(prev, k.mv_data, 16) < 0);
        memcpy(prev, k.mv_data, 16);
        first = 0;
        ck_assert_int_eq(mdb_get(txn, dbi, &again, &got), 0); /* the default comparator finds it */
        n++;
    }
    ck_assert_int_eq(rc, MDB_NOTFOUND);
    ck_assert_uint_eq(n, 5000);
    mdb_cursor_close(c);
    mdb_txn_abort(txn);
    mdb_env_close(env);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

int main(void)
{
    const TTest *const tests[] = {
        days_match_gmtime, round_trip_every_length, damaged_records_refused, key_order_is_lmdb_default,
        files_readable_with_default_order
    };

    return tu_main("record", 60, NULL, NULL, tests, TU_COUNT(tests));
}
