/* SPDX-License-Identifier: Apache-2.0 */
/* test_layout.c — black box: a program built against an older header. Its structs are declared here
 * as version 1 of sltd.h declared them; the library must write those members and not one byte after. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "sltd.h"
#include "testutil.h"

/* ---- sltd.h version 1 of the output structs, as an older header declared them ---- */
typedef struct old_result {
    unsigned int version;
    int error;
    int listed;
    unsigned int nrecords;
    sltd_record records[SLTD_RECORDS_MAX];
    uint64_t data_sequence;
    int64_t data_produced;
    int64_t data_expires;
    int stale;
} old_result;

typedef struct old_mrz_answer {
    unsigned int version;
    sltd_mrz mrz;
    old_result result;
    unsigned int nvariants_tried;
    int variants_truncated;
    unsigned int nvariants_listed;
    int variant_match;
    char variant_number[SLTD_NUMBER_MAX + 1];
    unsigned int variant_nsubst;
    unsigned int variant_pos[2];
    old_result variant_result;
} old_mrz_answer;

#define CANARY 0xA5
#define NCANARY 64

/* An old struct with guard bytes after it, as the caller's memory holds it. */
typedef struct guarded_result {
    old_result r;
    unsigned char after[NCANARY];
} guarded_result;
typedef struct guarded_answer {
    old_mrz_answer a;
    unsigned char after[NCANARY];
} guarded_answer;

static const char L1[] = "P<UTOSPECIMEN<<ANNA<<<<<<<<<<<<<<<<<<<<<<<<<";
static const char L2_LISTED[] = "L898902C36UTO7408122F1204159ZE184226B<<<<<10";
static const char L2_OCR[] = "L8989O2C36UTO7408122F1204159ZE184226B<<<<<10"; /* 0 read as O */

static sltd_db *db;

static void setup(void)
{
    sltd_options o = SLTD_OPTIONS_INIT;
    sltd_import_report r = SLTD_IMPORT_REPORT_INIT;
    char path[4096], feed[4096];

    tu_scratch("layout");
    tu_at(path, "db");
    tu_at(feed, "feed.csv");
    ck_assert_int_eq(tu_write(feed, "state,number,type,reference\nUTO,L898902C3,P,OLD-1\n"), 0);
    o.flags = SLTD_OPEN_CREATE;
    ck_assert_int_eq(sltd_db_open(&db, path, &o), 0);
    ck_assert_int_eq(sltd_db_import_feed(&r, db, feed, 0), 0);
}

static void teardown(void)
{
    sltd_db_close(db);
    db = NULL;
    tu_scratch_end();
}

static void untouched(const unsigned char *p, size_t n, const char *what)
{
    size_t i;

    for (i = 0; i < n; i++)
        ck_assert_msg(p[i] == CANARY, "%s: byte %zu after the old struct was written", what, i);
}

static int mrz(void *out, const char *l2, unsigned flags)
{
    char text[128];

    memcpy(text, L1, 44);
    text[44] = '\n';
    memcpy(text + 45, l2, 44);
    return sltd_db_lookup_mrz((sltd_mrz_answer *)out, db, text, 89, flags);
}

START_TEST(old_result_single)
{
    guarded_result g;

    memset(&g, CANARY, sizeof g);
    g.r.version = 1;
    ck_assert_int_eq(sltd_db_lookup((sltd_result *)&g.r, db, "UTO", "L898902C3", NULL), 0);
    ck_assert_uint_eq(g.r.version, 1);
    ck_assert_int_eq(g.r.error, 0);
    ck_assert_int_eq(g.r.listed, 1);
    ck_assert_uint_eq(g.r.nrecords, 1);
    ck_assert_str_eq(g.r.records[0].reference, "OLD-1");
    untouched(g.after, sizeof g.after, "sltd_db_lookup");
    /* an error answer too */
    memset(&g, CANARY, sizeof g);
    g.r.version = 1;
    ck_assert_int_eq(sltd_db_lookup((sltd_result *)&g.r, db, "ZZZ", "L898902C3", NULL), SLTD_ESTATE);
    ck_assert_int_eq(g.r.error, SLTD_ESTATE);
    untouched(g.after, sizeof g.after, "sltd_db_lookup error");
}
END_TEST

START_TEST(old_result_batch)
{
    enum { N = 150 }; /* more than one internal chunk */
    static old_result r[N + 1];
    static sltd_query q[N];
    size_t i;

    memset(r, CANARY, sizeof r);
    r[0].version = 1;
    for (i = 0; i < N; i++) {
        q[i].state = "UTO";
        q[i].number = i % 3 == 0 ? "L898902C3" : i % 3 == 1 ? "X1" : "A.B";
        q[i].type = NULL;
    }
    ck_assert_int_eq(sltd_db_lookup_batch((sltd_result *)r, db, q, N), 0);
    for (i = 0; i < N; i++) { /* each element at the old stride */
        ck_assert_uint_eq(r[i].version, 1);
        ck_assert_int_eq(r[i].error, i % 3 == 2 ? SLTD_ENUMBER : 0);
        ck_assert_int_eq(r[i].listed, i % 3 == 0);
    }
    untouched((const unsigned char *)&r[N], sizeof r[N], "sltd_db_lookup_batch");
    /* a failing batch marks every old element, and nothing after */
    memset(r, CANARY, sizeof r);
    r[0].version = 1;
    ck_assert_int_eq(sltd_db_lookup_batch((sltd_result *)r, NULL, q, N), SLTD_EINVAL);
    for (i = 0; i < N; i++)
        ck_assert_int_eq(r[i].error, SLTD_EINVAL);
    untouched((const unsigned char *)&r[N], sizeof r[N], "sltd_db_lookup_batch error");
}
END_TEST

START_TEST(old_answer_mrz)
{
    static guarded_answer g;

    memset(&g, CANARY, sizeof g);
    g.a.version = 1;
    ck_assert_int_eq(mrz(&g.a, L2_LISTED, 0), 0);
    ck_assert_uint_eq(g.a.version, 1);
    ck_assert_uint_eq(g.a.result.version, 1);
    ck_assert_int_eq(g.a.result.listed, 1);
    ck_assert_str_eq(g.a.result.records[0].reference, "OLD-1");
    ck_assert_str_eq(g.a.mrz.number, "L898902C3");
    untouched(g.after, sizeof g.after, "sltd_db_lookup_mrz");
    /* the variant answer, in the old members */
    memset(&g, CANARY, sizeof g);
    g.a.version = 1;
    ck_assert_int_eq(mrz(&g.a, L2_OCR, SLTD_MRZ_OCR_VARIANTS), 0);
    ck_assert_int_eq(g.a.variant_match, 1);
    ck_assert_str_eq(g.a.variant_number, "L898902C3");
    ck_assert_int_eq(g.a.result.error, SLTD_ECHECKDIGIT);
    ck_assert_str_eq(g.a.variant_result.records[0].reference, "OLD-1");
    untouched(g.after, sizeof g.after, "sltd_db_lookup_mrz variants");
}
END_TEST

/* A struct whose version is not set is refused, and nothing of it is written. */
START_TEST(version_not_set)
{
    sltd_result r;
    sltd_stats st;
    static sltd_mrz_answer a;

    memset(&r, 0, sizeof r);
    r.listed = 7;
    ck_assert_int_eq(sltd_db_lookup(&r, db, "UTO", "L898902C3", NULL), SLTD_EINVAL);
    ck_assert_int_eq(r.listed, 7);
    ck_assert_int_eq(r.verdict, SLTD_VERDICT_UNSET);
    ck_assert_ptr_nonnull(strstr(sltd_error_detail(), "sltd_result.version is 0"));
    ck_assert_int_eq(sltd_db_lookup_batch(&r, db, NULL, 0), 0); /* nothing to write, nothing to check */
    memset(&st, 0, sizeof st);
    ck_assert_int_eq(sltd_db_stats_get(&st, db), SLTD_EINVAL);
    ck_assert_uint_eq(st.records, 0);
    memset(&a, 0, sizeof a);
    ck_assert_int_eq(mrz(&a, L2_LISTED, 0), SLTD_EINVAL);
    ck_assert_int_eq(a.result.listed, 0);
    ck_assert_int_eq(a.verdict, SLTD_VERDICT_UNSET);
}
END_TEST

/* A caller built against a newer header: the library writes what it knows, the rest keeps its
 * initial value (a verdict the library does not set stays UNSET: never clear). */
START_TEST(newer_caller)
{
    struct {
        sltd_result r;
        unsigned char after[NCANARY];
    } g;
    sltd_stats st = SLTD_STATS_INIT;

    memset(&g, CANARY, sizeof g);
    g.r.version = SLTD_RESULT_VERSION + 5;
    ck_assert_int_eq(sltd_db_lookup(&g.r, db, "UTO", "L898902C3", NULL), 0);
    ck_assert_uint_eq(g.r.version, SLTD_RESULT_VERSION);
    ck_assert_int_eq(g.r.verdict, SLTD_VERDICT_LISTED);
    untouched(g.after, sizeof g.after, "newer sltd_result");
    ck_assert_int_eq(sltd_db_stats_get(&st, db), 0);
    ck_assert_uint_eq(st.version, SLTD_STATS_VERSION);
    ck_assert_uint_eq(st.records, 1);
}
END_TEST

int main(void)
{
    const TTest *const tests[] = { old_result_single, old_result_batch, old_answer_mrz, version_not_set,
                                   newer_caller };

    return tu_main("layout", 60, setup, teardown, tests, TU_COUNT(tests));
}
