/* SPDX-License-Identifier: Apache-2.0 */
/* test_api.c — black box: only the public header, real LMDB files, real keys, real processes.
 *
 * Tests open alike (open a database, declare the reports they use): the shape repeats on purpose,
 * each test with its own data and assertions. */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sltd.h"
#include "testutil.h"

static char *tmp;
static char dbdir[4096], feed[4096];

static void setup(void)
{
    tmp = tu_mkdtemp("api");
    ck_assert_ptr_nonnull(tmp);
    tu_path(dbdir, sizeof dbdir, tmp, "db");
    tu_path(feed, sizeof feed, tmp, "feed.csv");
}

static void teardown(void)
{
    tu_rmtree(tmp);
    free(tmp);
}

static sltd_db *open_db(unsigned flags)
{
    sltd_options o = SLTD_OPTIONS_INIT;
    sltd_db *db = NULL;
    int rc;

    o.flags = flags;
    rc = sltd_db_open(&db, dbdir, &o);
    ck_assert_msg(rc == 0, "open: %s (%s)", sltd_error_text(rc), sltd_error_detail());
    return db;
}

static sltd_db *create_with(unsigned series, unsigned long n)
{
    sltd_db *db = open_db(SLTD_OPEN_CREATE);
    sltd_import_report r = SLTD_IMPORT_REPORT_INIT;
    int rc;

    ck_assert_int_eq(tu_feed(feed, series, 0, n), 0);
    rc = sltd_db_import_feed(&r, db, feed, 0);
    ck_assert_msg(rc == 0, "import: %s (%s)", sltd_error_text(rc), sltd_error_detail());
    ck_assert_uint_eq(r.added, n);
    ck_assert_uint_eq(r.rows, n);
    return db;
}

static int listed(sltd_db *db, const char *state, const char *number, const char *type)
{
    sltd_result r = SLTD_RESULT_INIT;
    int rc = sltd_db_lookup(&r, db, state, number, type);

    ck_assert_msg(rc == 0, "lookup %s %s: %s", state, number, sltd_error_text(rc));
    return r.listed;
}

static void all_found(sltd_db *db, unsigned series, unsigned long n)
{
    char num[16];
    unsigned long i;

    for (i = 0; i < n; i++) {
        tu_number(num, series, i);
        ck_assert_msg(listed(db, "UTO", num, NULL), "false negative: %s", num);
    }
}

START_TEST(import_then_lookup)
{
    sltd_db *db = create_with(1, 5000);
    char num[16];
    sltd_result r = SLTD_RESULT_INIT;
    unsigned long i, fp = 0;

    all_found(db, 1, 5000);
    /* the record's details come back */
    tu_number(num, 1, 4);
    ck_assert_int_eq(sltd_db_lookup(&r, db, "UTO", num, NULL), 0);
    ck_assert_int_eq(r.listed, 1);
    ck_assert_uint_eq(r.nrecords, 1);
    ck_assert_str_eq(r.records[0].type, "P");
    ck_assert_int_eq(r.records[0].status, SLTD_STATUS_STOLEN);
    ck_assert_uint_eq(r.records[0].reported, 20240514);
    ck_assert_str_eq(r.records[0].reference, "REF-1-4");
    tu_number(num, 1, 3);
    ck_assert_int_eq(sltd_db_lookup(&r, db, "UTO", num, NULL), 0);
    ck_assert_int_eq(r.records[0].status, SLTD_STATUS_LOST);
    /* never-imported documents: not listed (another series, another state) */
    for (i = 0; i < 5000; i++) {
        tu_number(num, 2, i);
        fp += (unsigned long)listed(db, "UTO", num, NULL);
        tu_number(num, 1, i);
        fp += (unsigned long)listed(db, "XXA", num, NULL);
    }
    ck_assert_uint_eq(fp, 0); /* exact answers: the filter's false positives are resolved by LMDB */
    sltd_db_close(db);
}
END_TEST

START_TEST(lookup_normalizes_and_filters_type)
{
    sltd_db *db = create_with(3, 10);
    char num[16], messy[40];

    tu_number(num, 3, 7);
    snprintf(messy, sizeof messy, " %c%c-%c%c %s<<", num[0] + 32, num[1] + 32, num[2], num[3], num + 4);
    ck_assert(listed(db, "uto", messy, NULL));
    ck_assert(listed(db, "UTO<", num, "P"));
    ck_assert(listed(db, "UTO", num, "PP")); /* same family */
    ck_assert(!listed(db, "UTO", num, "I")); /* listed as a passport, not an ID card */
    ck_assert(!listed(db, "UTO", num, "V"));
    sltd_db_close(db);
}
END_TEST

START_TEST(bad_input_is_an_error_not_a_miss)
{
    sltd_db *db = create_with(4, 10);
    sltd_result r = SLTD_RESULT_INIT;

    ck_assert_int_eq(sltd_db_lookup(&r, db, "ZZZ", "A1", NULL), SLTD_ESTATE);
    ck_assert_int_eq(r.error, SLTD_ESTATE);
    ck_assert_int_eq(sltd_db_lookup(&r, db, "UTO", "A.1", NULL), SLTD_ENUMBER);
    ck_assert_int_eq(sltd_db_lookup(&r, db, "UTO", "", NULL), SLTD_ENUMBER);
    ck_assert_int_eq(sltd_db_lookup(&r, db, "UTO", "ABCDEFGHIJKLMNOPQRSTUVW", NULL), SLTD_ENUMBER);
    ck_assert_int_eq(sltd_db_lookup(&r, db, "UTO", "A1", "P1"), SLTD_ETYPE);
    ck_assert_int_eq(sltd_db_lookup(&r, db, NULL, "A1", NULL), SLTD_EINVAL);
    ck_assert_int_eq(sltd_db_lookup(&r, NULL, "UTO", "A1", NULL), SLTD_EINVAL);
    ck_assert_int_eq(sltd_db_lookup(NULL, db, "UTO", "A1", NULL), SLTD_EINVAL);
    sltd_db_close(db);
}
END_TEST

START_TEST(batch_matches_single)
{
    enum { N = 3000 };
    sltd_db *db = create_with(5, 1000);
    static char nums[N][16];
    static sltd_query q[N];
    static sltd_result res[N];
    sltd_result one = SLTD_RESULT_INIT;
    int i;

    for (i = 0; i < N; i++) {
        tu_number(nums[i], i % 2 ? 5 : 6, (unsigned long)(i / 2)); /* half listed (i/2 < 1000), half not */
        q[i].state = "UTO";
        q[i].number = nums[i];
        q[i].type = NULL;
    }
    q[17].state = "QQQ";    /* one bad row does not spoil the batch */
    q[18].number = "A-.";
    res[0].version = SLTD_RESULT_VERSION; /* states the layout of the whole array */
    ck_assert_int_eq(sltd_db_lookup_batch(res, db, q, N), 0);
    for (i = 0; i < N; i++) {
        int rc = sltd_db_lookup(&one, db, q[i].state, q[i].number, q[i].type);
        ck_assert_int_eq(res[i].error, rc);
        if (rc == 0) {
            ck_assert_int_eq(res[i].listed, one.listed);
            ck_assert_int_eq(res[i].listed, i % 2 == 1 && i / 2 < 1000);
        }
    }
    ck_assert_int_eq(res[17].error, SLTD_ESTATE);
    ck_assert_int_eq(res[18].error, SLTD_ENUMBER);
    ck_assert_int_eq(sltd_db_lookup_batch(res, db, q, 0), 0);
    ck_assert_int_eq(sltd_db_lookup_batch(NULL, db, q, 1), SLTD_EINVAL);
    sltd_db_close(db);
}
END_TEST

/* The verdict of one document as the code and answer give it, written here independently of the
 * library: clear only for a checked, unlisted document. */
static int verdict_for(int code, int is_listed)
{
    if (code == 0)
        return is_listed ? SLTD_VERDICT_LISTED : SLTD_VERDICT_CLEAR;
    if (code == SLTD_ESTATE || code == SLTD_ENUMBER || code == SLTD_ETYPE)
        return SLTD_VERDICT_INVALID;
    return SLTD_VERDICT_ERROR;
}

/* Every verdict a single or batch lookup can give, from each of its paths; none but a checked,
 * unlisted document is clear, and a struct the library did not fill never reads as clear. */
START_TEST(verdicts_single_and_batch)
{
    static const struct {
        const char *state, *number, *type;
        int code, verdict;
    } cases[] = {
        { "UTO", NULL, NULL, 0, SLTD_VERDICT_LISTED },       /* number filled in below */
        { "UTO", "NOTLISTED1", NULL, 0, SLTD_VERDICT_CLEAR },
        { "UTO", NULL, "I", 0, SLTD_VERDICT_CLEAR },         /* listed as a passport only */
        { "ZZZ", "A1", NULL, SLTD_ESTATE, SLTD_VERDICT_INVALID },
        { "DEU", "A1", NULL, SLTD_ESTATE, SLTD_VERDICT_INVALID },
        { "UTO", "A.1", NULL, SLTD_ENUMBER, SLTD_VERDICT_INVALID },
        { "UTO", "", NULL, SLTD_ENUMBER, SLTD_VERDICT_INVALID },
        { "UTO", "A1", "P1", SLTD_ETYPE, SLTD_VERDICT_INVALID },
        { NULL, "A1", NULL, SLTD_EINVAL, SLTD_VERDICT_ERROR },
    };
    enum { N = sizeof cases / sizeof cases[0] };
    sltd_db *db = create_with(8, 10);
    const sltd_result zero = SLTD_RESULT_INIT;
    char num[16];
    sltd_query q[N];
    sltd_result r = SLTD_RESULT_INIT, res[N];
    size_t i;

    ck_assert_int_eq(zero.verdict, SLTD_VERDICT_UNSET);
    ck_assert_int_eq(SLTD_VERDICT_UNSET, 0);
    tu_number(num, 8, 2);
    for (i = 0; i < N; i++) {
        const char *number = cases[i].number != NULL ? cases[i].number : num;
        int rc;

        memset(&r, 0, sizeof r);
        r.version = SLTD_RESULT_VERSION;
        rc = sltd_db_lookup(&r, db, cases[i].state, number, cases[i].type);
        ck_assert_msg(rc == cases[i].code, "case %zu: %s", i, sltd_error_text(rc));
        ck_assert_msg(r.verdict == cases[i].verdict, "case %zu: verdict %s", i, sltd_verdict_name(r.verdict));
        ck_assert_int_eq(r.verdict, verdict_for(rc, r.listed));
        q[i].state = cases[i].state;
        q[i].number = number;
        q[i].type = cases[i].type;
    }
    /* the batch gives each document the verdict the single lookup gives */
    memset(res, 0, sizeof res);
    res[0].version = SLTD_RESULT_VERSION;
    ck_assert_int_eq(sltd_db_lookup_batch(res, db, q, N), 0);
    for (i = 0; i < N; i++) {
        ck_assert_msg(res[i].verdict == cases[i].verdict, "batch %zu: %s", i, sltd_verdict_name(res[i].verdict));
        ck_assert_int_eq(res[i].error, cases[i].code);
    }
    /* a batch that cannot be checked: every document is an error, none clear */
    ck_assert_int_eq(sltd_db_lookup_batch(res, NULL, q, N), SLTD_EINVAL);
    for (i = 0; i < N; i++)
        ck_assert_int_eq(res[i].verdict, SLTD_VERDICT_ERROR);
    memset(res, 0, sizeof res);
    res[0].version = SLTD_RESULT_VERSION;
    ck_assert_int_eq(sltd_db_lookup_batch(res, db, NULL, N), SLTD_EINVAL);
    for (i = 0; i < N; i++)
        ck_assert_int_eq(res[i].verdict, SLTD_VERDICT_ERROR);
    /* a single lookup without a handle */
    ck_assert_int_eq(sltd_db_lookup(&r, NULL, "UTO", num, NULL), SLTD_EINVAL);
    ck_assert_int_eq(r.verdict, SLTD_VERDICT_ERROR);
    sltd_db_close(db);
}
END_TEST

/* The 0.1 names still link and answer as the new ones do (deprecated: warned, not refused). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
START_TEST(deprecated_names)
{
    sltd_db *db = create_with(9, 10), *again = NULL;
    sltd_result r = SLTD_RESULT_INIT, b[1] = { SLTD_RESULT_INIT };
    sltd_query q = { "UTO", NULL, NULL };
    sltd_mrz_answer a = SLTD_MRZ_ANSWER_INIT;
    sltd_mrz_evidence ev = SLTD_MRZ_EVIDENCE_INIT;
    sltd_mrz m = SLTD_MRZ_INIT;
    sltd_stats st = SLTD_STATS_INIT;
    sltd_verify_report vr = SLTD_VERIFY_REPORT_INIT;
    sltd_import_report ir = SLTD_IMPORT_REPORT_INIT;
    sltd_import_options io = SLTD_IMPORT_OPTIONS_INIT;
    sltd_screen_report sr = SLTD_SCREEN_REPORT_INIT;
    sltd_bundle_report br = SLTD_BUNDLE_REPORT_INIT;
    uint8_t d1[SLTD_DIGEST_SIZE], d2[SLTD_DIGEST_SIZE];
    char num[16], s[SLTD_STATE_MAX + 1], n[SLTD_NUMBER_MAX + 1], path[4096];
    static const char mrz[] = "P<UTOSPECIMEN<<ANNA<<<<<<<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10\n";

    tu_number(num, 9, 1);
    tu_path(path, sizeof path, tmp, "never-written.sltd");
    q.number = num;
    /* An old name writes the 0.1 layout (version 1): no verdict, which stays UNSET, never clear. */
    ck_assert_int_eq(sltd_lookup(&r, db, "UTO", num, NULL), 0);
    ck_assert_int_eq(r.listed, 1);
    ck_assert_uint_eq(r.version, 1);
    ck_assert_int_eq(r.verdict, SLTD_VERDICT_UNSET);
    ck_assert_int_eq(sltd_lookup_batch(b, db, &q, 1), 0);
    ck_assert_int_eq(b[0].listed, 1);
    ck_assert_int_eq(sltd_lookup_mrz(&a, db, mrz, strlen(mrz), 0), 0);
    ck_assert_int_eq(sltd_lookup_mrz_ex(&a, &ev, db, mrz, strlen(mrz), 0), 0);
    ck_assert_int_eq(a.result.listed, 0);
    ck_assert_int_eq(a.result.error, 0);
    ck_assert_int_eq(a.verdict, SLTD_VERDICT_UNSET);
    ck_assert_int_eq(sltd_digest(d1, db, "UTO", num), 0);
    ck_assert_int_eq(sltd_db_digest(d2, db, "UTO", num), 0);
    ck_assert_mem_eq(d1, d2, sizeof d1);
    ck_assert_int_eq(sltd_verify(&vr, db), 0);
    ck_assert_int_eq(sltd_stats_get(&st, db), 0);
    ck_assert_int_eq(sltd_import_feed(&ir, db, feed, 0), 0);
    ck_assert_int_eq(sltd_import_feed_ex(&ir, db, feed, &io), 0);
    ck_assert_int_eq(sltd_screen(&sr, db, feed, NULL), 0);
    ck_assert_int_eq(sltd_pack_bundle(&br, db, feed, path, NULL), SLTD_EINVAL);
    ck_assert_int_eq(sltd_apply_bundle(&br, db, feed, NULL, 0, 0), SLTD_EINVAL);
    ck_assert_ptr_nonnull(strstr(sltd_errmsg(db), "sltd_bundle_apply"));
    ck_assert_str_eq(sltd_strerror(SLTD_EKEYPERM), sltd_error_text(SLTD_EKEYPERM));
    ck_assert_int_eq(sltd_normalize_state(s, "d<<"), 0);
    ck_assert_str_eq(s, "D");
    ck_assert_int_eq(sltd_normalize_number(n, "ab-1"), 0);
    ck_assert_str_eq(n, "AB1");
    ck_assert_int_eq(sltd_mrz_parse(&m, mrz, strlen(mrz)), 0);
    ck_assert_int_eq(sltd_mrz_valid(&m), 1);
    ck_assert_int_eq(sltd_open(&again, dbdir, NULL), SLTD_EBUSY); /* already open in this process */
    sltd_close(db);
    ck_assert_int_eq(sltd_open(&again, dbdir, NULL), 0);
    sltd_close(again);
}
END_TEST
#pragma GCC diagnostic pop

START_TEST(verdict_names)
{
    static const tu_name names[] = {
        { SLTD_VERDICT_UNSET, "unset" }, { SLTD_VERDICT_CLEAR, "clear" }, { SLTD_VERDICT_LISTED, "listed" },
        { SLTD_VERDICT_VARIANT, "variant" }, { SLTD_VERDICT_UNREADABLE, "unreadable" },
        { SLTD_VERDICT_INVALID, "invalid" }, { SLTD_VERDICT_ERROR, "error" }, { 7, "unset" }, { -1, "unset" },
    };

    tu_names_check(sltd_verdict_name, names, TU_COUNT(names));
}
END_TEST

START_TEST(open_errors)
{
    sltd_options o = SLTD_OPTIONS_INIT;
    sltd_db *db = NULL, *db2 = NULL;
    char key[4200];

    ck_assert_int_eq(sltd_db_open(&db, dbdir, NULL), SLTD_ENOENT);
    ck_assert_ptr_null(db);
    db = open_db(SLTD_OPEN_CREATE);
    /* the same database twice in one process */
    ck_assert_int_eq(sltd_db_open(&db2, dbdir, NULL), SLTD_EBUSY);
    sltd_db_close(db);
    /* create refuses an existing database */
    o.flags = SLTD_OPEN_CREATE;
    ck_assert_int_eq(sltd_db_open(&db, dbdir, &o), SLTD_EEXIST);
    /* the default key lives beside the directory, not in it */
    snprintf(key, sizeof key, "%s.key", dbdir);
    ck_assert_int_eq(access(key, R_OK), 0);
    /* a group-readable key is refused */
    ck_assert_int_eq(chmod(key, 0640), 0);
    ck_assert_int_eq(sltd_db_open(&db, dbdir, NULL), SLTD_EKEYPERM);
    ck_assert_int_eq(chmod(key, 0600), 0);
    /* a different key is refused, never answered with misses */
    tu_path(key, sizeof key, tmp, "other.key");
    o.flags = 0;
    o.key_path = key;
    {
        /* make another key by creating another database with it */
        char other[4096];
        sltd_options oc = SLTD_OPTIONS_INIT;
        tu_path(other, sizeof other, tmp, "other");
        oc.flags = SLTD_OPEN_CREATE;
        oc.key_path = key;
        ck_assert_int_eq(sltd_db_open(&db2, other, &oc), 0);
        sltd_db_close(db2);
    }
    ck_assert_int_eq(sltd_db_open(&db, dbdir, &o), SLTD_EWRONGKEY);
    ck_assert_str_ne(sltd_error_detail(), "");
    /* bad options */
    o.key_path = NULL;
    o.bits_per_key = 2;
    ck_assert_int_eq(sltd_db_open(&db, dbdir, &o), SLTD_EINVAL);
    o.bits_per_key = 0;
    o.version = 99;
    ck_assert_int_eq(sltd_db_open(&db, dbdir, &o), SLTD_EINVAL);
    /* a directory that is not a database */
    ck_assert_int_eq(sltd_db_open(&db, tmp, NULL), SLTD_ENOENT);
}
END_TEST

START_TEST(handle_refused_after_fork)
{
    sltd_db *db = create_with(7, 10);
    char num[16];
    int status;
    pid_t pid;

    tu_number(num, 7, 1);
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        sltd_result r = SLTD_RESULT_INIT;
        sltd_db *child = NULL;
        sltd_query q = { "UTO", num, NULL };
        int ok = sltd_db_lookup(&r, db, "UTO", num, NULL) == SLTD_EFORK && r.verdict == SLTD_VERDICT_ERROR;
        ok = ok && sltd_db_lookup_batch(&r, db, &q, 1) == SLTD_EFORK && r.verdict == SLTD_VERDICT_ERROR;
        /* the child may open its own handle */
        ok = ok && sltd_db_open(&child, dbdir, NULL) == 0 && sltd_db_lookup(&r, child, "UTO", num, NULL) == 0 && r.listed;
        sltd_db_close(child);
        _exit(ok ? 0 : 1);
    }
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    ck_assert(listed(db, "UTO", num, NULL)); /* the parent's handle is unaffected */
    sltd_db_close(db);
}
END_TEST

/* How many reader slots of LMDB's lock file name this pid (LMDB's own mdb_stat -r); -1 without mdb_stat. */
static int reader_slots_of(pid_t pid)
{
    char cmd[PATH_MAX + 64], line[256];
    FILE *p;
    int n = 0, table = 0;

    snprintf(cmd, sizeof cmd, "mdb_stat -r '%s' 2>/dev/null", dbdir);
    if ((p = popen(cmd, "r")) == NULL)
        return -1;
    while (fgets(line, sizeof line, p) != NULL) {
        long v;
        table |= strstr(line, "Reader Table Status") != NULL;
        if (sscanf(line, " %ld", &v) == 1 && v == (long)pid)
            n++;
    }
    pclose(p); /* mdb_stat -r exits 1 even when it printed the table */
    return table ? n : -1;
}

/* A child that closes a handle it inherited must leave the parent's reader slots in LMDB's lock file
 * alone: freeing them would let a writer reuse pages the parent still reads. */
START_TEST(close_after_fork_keeps_parent_readers)
{
    sltd_db *db = create_with(7, 10);
    char num[16];
    int status, before;
    pid_t pid;

    tu_number(num, 7, 1);
    ck_assert(listed(db, "UTO", num, NULL)); /* the handle now holds a pooled read transaction */
    before = reader_slots_of(getpid());
    if (before < 0) {
        fprintf(stderr, "close_after_fork_keeps_parent_readers: mdb_stat (lmdb-utils) not found, not checked\n");
        sltd_db_close(db);
        return;
    }
    ck_assert_int_ge(before, 1);
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        sltd_db_close(db);
        _exit(0);
    }
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    ck_assert_int_eq(reader_slots_of(getpid()), before);
    ck_assert(listed(db, "UTO", num, NULL));
    sltd_db_close(db);
}
END_TEST

START_TEST(no_plaintext_at_rest)
{
    sltd_db *db = create_with(8, 2000);
    char num[16], p[4096], *buf;
    struct dirent *e;
    unsigned long i;
    size_t len;
    int files = 0;
    DIR *d;

    sltd_db_close(db);
    d = opendir(dbdir);
    ck_assert_ptr_nonnull(d);
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        tu_path(p, sizeof p, dbdir, e->d_name);
        files++;
        buf = tu_load(p, &len);
        ck_assert_ptr_nonnull(buf);
        for (i = 0; i < 2000; i += 1) {
            tu_number(num, 8, i);
            ck_assert_msg(memmem(buf, len, num, strlen(num)) == NULL, "%s holds %s", p, num);
            /* not even the numeric part */
            ck_assert_msg(memmem(buf, len, num + 2, 7) == NULL, "%s holds %s", p, num + 2);
        }
        free(buf);
    }
    closedir(d);
    ck_assert_int_ge(files, 3); /* data.mdb, lock.mdb, sltd.filter */
    /* and the key is not in the directory */
    tu_path(p, sizeof p, dbdir, "db.key");
    ck_assert_int_ne(access(p, F_OK), 0);
}
END_TEST

START_TEST(read_only_handle)
{
    sltd_db *db = create_with(9, 100);
    sltd_import_report r = SLTD_IMPORT_REPORT_INIT;

    sltd_db_close(db);
    db = open_db(SLTD_OPEN_READONLY);
    all_found(db, 9, 100);
    ck_assert_int_eq(sltd_db_import_feed(&r, db, feed, 0), SLTD_EREADONLY);
    sltd_db_close(db);
}
END_TEST

START_TEST(bad_feed_changes_nothing)
{
    sltd_db *db = create_with(10, 500);
    sltd_stats before = SLTD_STATS_INIT, after = SLTD_STATS_INIT;
    sltd_import_report r = SLTD_IMPORT_REPORT_INIT;
    char bad[4096], num[16];

    ck_assert_int_eq(sltd_db_stats_get(&before, db), 0);
    tu_path(bad, sizeof bad, tmp, "bad.csv");
    tu_number(num, 11, 1);
    {
        char text[512];
        snprintf(text, sizeof text, "state,number\nUTO,%s\nZZZ,AB123\nUTO,A.B\n", num);
        ck_assert_int_eq(tu_write(bad, text), 0);
    }
    ck_assert_int_eq(sltd_db_import_feed(&r, db, bad, 0), SLTD_EFORMAT);
    ck_assert_uint_eq(r.invalid, 2);
    ck_assert_ptr_nonnull(strstr(sltd_error_detail(), "bad.csv:3"));
    ck_assert_ptr_nonnull(strstr(sltd_error_detail(), "state"));
    ck_assert_ptr_nonnull(strstr(sltd_error_detail(), "bad.csv:4"));
    ck_assert_int_eq(sltd_db_stats_get(&after, db), 0);
    ck_assert_uint_eq(after.records, before.records);
    ck_assert_mem_eq(after.checksum, before.checksum, 16);
    ck_assert(!listed(db, "UTO", num, NULL)); /* the valid row was not imported either */
    tu_path(bad, sizeof bad, tmp, "missing.csv");
    ck_assert_int_eq(sltd_db_import_feed(&r, db, bad, 0), SLTD_ENOENT);
    sltd_db_close(db);
}
END_TEST

START_TEST(reimport_and_remove)
{
    sltd_db *db = create_with(12, 300);
    sltd_stats s1 = SLTD_STATS_INIT, s2 = SLTD_STATS_INIT;
    sltd_import_report r = SLTD_IMPORT_REPORT_INIT;
    char rm[4096], num[16], text[256];

    ck_assert_int_eq(sltd_db_stats_get(&s1, db), 0);
    ck_assert_uint_eq(s1.records, 300);
    ck_assert_uint_eq(s1.documents, 300);
    ck_assert_int_eq(sltd_db_import_feed(&r, db, feed, 0), 0); /* the same feed again */
    ck_assert_uint_eq(r.unchanged, 300);
    ck_assert_uint_eq(r.added, 0);
    ck_assert_int_eq(sltd_db_stats_get(&s2, db), 0);
    ck_assert_mem_eq(s1.checksum, s2.checksum, 16);
    /* remove one listing */
    tu_number(num, 12, 5);
    tu_path(rm, sizeof rm, tmp, "rm.csv");
    snprintf(text, sizeof text, "state,number,action\nUTO,%s,remove\n", num);
    ck_assert_int_eq(tu_write(rm, text), 0);
    ck_assert_int_eq(sltd_db_import_feed(&r, db, rm, 0), 0);
    ck_assert_uint_eq(r.removed, 1);
    ck_assert(!listed(db, "UTO", num, NULL));
    ck_assert_int_eq(sltd_db_stats_get(&s2, db), 0);
    ck_assert_uint_eq(s2.records, 299);
    ck_assert_uint_eq(s2.documents, 299);
    ck_assert_mem_ne(s1.checksum, s2.checksum, 16);
    sltd_db_close(db);
}
END_TEST

/* Regression: a document added and removed within one import was never stored, and must not be
 * subtracted from the document count either (it was: the count wrapped to 2^64 - 1). */
START_TEST(add_and_remove_in_one_import)
{
    sltd_db *db = open_db(SLTD_OPEN_CREATE);
    sltd_import_report r = SLTD_IMPORT_REPORT_INIT;
    sltd_stats st = SLTD_STATS_INIT;
    sltd_verify_report v = SLTD_VERIFY_REPORT_INIT;

    ck_assert_int_eq(tu_write(feed, "state,number,action\nUTO,ZZ1,add\nUTO,ZZ1,remove\nUTO,ZZ2,add\n"), 0);
    ck_assert_int_eq(sltd_db_import_feed(&r, db, feed, 0), 0);
    ck_assert_uint_eq(r.added, 2);
    ck_assert_uint_eq(r.removed, 1);
    ck_assert_int_eq(sltd_db_stats_get(&st, db), 0);
    ck_assert_uint_eq(st.records, 1);
    ck_assert_uint_eq(st.documents, 1);
    ck_assert_int_eq(sltd_db_verify(&v, db), 0);
    ck_assert(!listed(db, "UTO", "ZZ1", NULL));
    ck_assert(listed(db, "UTO", "ZZ2", NULL));
    sltd_db_close(db);
}
END_TEST

/* A feed imported through many spilled sorted runs (a tiny memory budget) ends in exactly the state
 * an in-memory import gives: same counts, same state checksum, every document found. The feed puts
 * listings of one document, and adds and removes of another, far apart (so in different runs). */
static void progress_count(void *ctx, const char *phase, uint64_t done, uint64_t total)
{
    (void)phase;
    (void)done;
    (void)total;
    (*(int *)ctx)++;
}

START_TEST(bounded_memory_import_matches)
{
    sltd_import_options o = SLTD_IMPORT_OPTIONS_INIT;
    sltd_options oc = SLTD_OPTIONS_INIT;
    sltd_import_report r1 = SLTD_IMPORT_REPORT_INIT, r2 = SLTD_IMPORT_REPORT_INIT;
    sltd_stats s1 = SLTD_STATS_INIT, s2 = SLTD_STATS_INIT;
    sltd_verify_report v = SLTD_VERIFY_REPORT_INIT;
    sltd_db *a, *b = NULL;
    char other[4096], num[16];
    FILE *f;
    unsigned long i;
    int calls = 0;

    f = fopen(feed, "w");
    ck_assert_ptr_nonnull(f);
    fputs("state,number,type,status,action\n", f);
    for (i = 0; i < 20000; i++) {
        tu_number(num, 40, i);
        fprintf(f, "UTO,%s,P,stolen,add\n", num);
        if (i % 100 == 7) { /* the same document 5,000 rows later: another listing, or its removal */
            tu_number(num, 40, i > 5000 ? i - 5000 : i);
            fprintf(f, "UTO,%s,%s,lost,%s\n", num, i % 200 == 7 ? "ID" : "P", i % 300 == 7 ? "remove" : "add");
        }
    }
    ck_assert_int_eq(fclose(f), 0);
    a = open_db(SLTD_OPEN_CREATE);
    o.memory_budget = 1000; /* ~20 runs */
    o.progress = progress_count;
    o.progress_ctx = &calls;
    ck_assert_int_eq(sltd_db_import_feed_ex(&r1, a, feed, &o), 0);
    ck_assert_int_gt(calls, 0);
    tu_path(other, sizeof other, tmp, "other");
    oc.flags = SLTD_OPEN_CREATE;
    oc.key_path = NULL;
    {
        char key[4200];
        snprintf(key, sizeof key, "%s.key", dbdir); /* the same key: digests comparable */
        oc.key_path = key;
        ck_assert_int_eq(sltd_db_open(&b, other, &oc), 0);
    }
    ck_assert_int_eq(sltd_db_import_feed(&r2, b, feed, 0), 0);
    ck_assert_uint_eq(r1.added, r2.added);
    ck_assert_uint_eq(r1.updated, r2.updated);
    ck_assert_uint_eq(r1.removed, r2.removed);
    ck_assert_int_eq(sltd_db_stats_get(&s1, a), 0);
    ck_assert_int_eq(sltd_db_stats_get(&s2, b), 0);
    ck_assert_uint_eq(s1.records, s2.records);
    ck_assert_uint_eq(s1.documents, s2.documents);
    ck_assert_mem_eq(s1.checksum, s2.checksum, 16);
    ck_assert_int_eq(sltd_db_verify(&v, a), 0);
    ck_assert_uint_gt(r1.removed, 0);
    ck_assert_uint_gt(r1.updated + r1.added, 20000);
    sltd_db_close(a);
    sltd_db_close(b);
}
END_TEST

START_TEST(skip_invalid_imports_the_rest)
{
    sltd_import_options o = SLTD_IMPORT_OPTIONS_INIT;
    sltd_db *db = open_db(SLTD_OPEN_CREATE);
    sltd_import_report r = SLTD_IMPORT_REPORT_INIT;

    ck_assert_int_eq(tu_write(feed, "state,number\nUTO,GOOD1\nZZZ,BAD1\nUTO,GOOD2\nUTO,B.D\n"), 0);
    o.flags = SLTD_IMPORT_SKIP_INVALID;
    ck_assert_int_eq(sltd_db_import_feed_ex(&r, db, feed, &o), 0);
    ck_assert_uint_eq(r.added, 2);
    ck_assert_uint_eq(r.invalid, 2);
    ck_assert_ptr_nonnull(strstr(sltd_error_detail(), "feed.csv:3: field 'state'"));
    ck_assert_ptr_nonnull(strstr(sltd_error_detail(), "skipped"));
    ck_assert(listed(db, "UTO", "GOOD1", NULL));
    ck_assert(listed(db, "UTO", "GOOD2", NULL));
    o.flags = 1u << 7;
    ck_assert_int_eq(sltd_db_import_feed_ex(&r, db, feed, &o), SLTD_EINVAL);
    sltd_db_close(db);
}
END_TEST

/* A serial range of stolen blanks: every number from one end to the other is listed, nothing outside. */
START_TEST(serial_ranges)
{
    sltd_db *db = open_db(SLTD_OPEN_CREATE);
    sltd_import_report r = SLTD_IMPORT_REPORT_INIT;
    sltd_result res = SLTD_RESULT_INIT;

    ck_assert_int_eq(tu_write(feed, "state,number_from,number_to,type,status,reference\n"
                                    "UTO,BL000990,BL001010,P,stolen_blank,BATCH-7\n"), 0);
    ck_assert_int_eq(sltd_db_import_feed(&r, db, feed, 0), 0);
    ck_assert_uint_eq(r.added, 21);
    ck_assert(listed(db, "UTO", "BL000990", NULL));  /* first */
    ck_assert(listed(db, "UTO", "BL001000", NULL));  /* inside, across a carry */
    ck_assert(listed(db, "UTO", "BL001010", NULL));  /* last */
    ck_assert(!listed(db, "UTO", "BL000989", NULL)); /* just outside */
    ck_assert(!listed(db, "UTO", "BL001011", NULL));
    ck_assert(!listed(db, "UTO", "BL1000", NULL));   /* not the same width */
    ck_assert_int_eq(sltd_db_lookup(&res, db, "UTO", "BL001005", NULL), 0);
    ck_assert_int_eq(res.records[0].status, SLTD_STATUS_STOLEN_BLANK);
    ck_assert_str_eq(res.records[0].reference, "BATCH-7");
    sltd_db_close(db);
}
END_TEST

static void filter_path(char *out, size_t cap)
{
    snprintf(out, cap, "%s/sltd.filter", dbdir);
}

static void copy_file(const char *from, const char *to)
{
    FILE *a = fopen(from, "rb"), *b = fopen(to, "wb");
    char buf[65536];
    size_t n;

    ck_assert(a != NULL && b != NULL);
    while ((n = fread(buf, 1, sizeof buf, a)) > 0)
        ck_assert_uint_eq(fwrite(buf, 1, n, b), n);
    fclose(a);
    ck_assert_int_eq(fclose(b), 0);
}

static void flip_byte(const char *path, long off)
{
    FILE *f = fopen(path, "r+b");
    int c;

    ck_assert_ptr_nonnull(f);
    fseek(f, off, SEEK_SET);
    c = fgetc(f);
    fseek(f, off, SEEK_SET);
    fputc(c ^ 0xff, f);
    fclose(f);
}

/* A damaged, missing, truncated or stale filter is never trusted: read-only handles read LMDB
 * directly (bypass), writable handles rebuild it. No false negative in any case. */
START_TEST(damaged_filter_never_trusted)
{
    sltd_db *db = create_with(13, 3000);
    char fp[4200], old[4096];
    sltd_stats st = SLTD_STATS_INIT;
    int round;

    filter_path(fp, sizeof fp);
    sltd_db_close(db);
    for (round = 0; round < 4; round++) {
        switch (round) {
        case 0: flip_byte(fp, 4096 + 64 * 10 + 3); break; /* a bit array byte: bits cleared */
        case 1: ck_assert_int_eq(unlink(fp), 0); break;
        case 2: ck_assert_int_eq(truncate(fp, 8192), 0); break;
        case 3: flip_byte(fp, 17); break;                 /* header */
        }
        db = open_db(SLTD_OPEN_READONLY);
        ck_assert_int_eq(sltd_db_stats_get(&st, db), 0);
        ck_assert_int_eq(st.filter_state, SLTD_FILTER_BYPASS);
        all_found(db, 13, 3000);
        sltd_db_close(db);
        db = open_db(0); /* writable: rebuilt */
        ck_assert_int_eq(sltd_db_stats_get(&st, db), 0);
        ck_assert_int_eq(st.filter_state, SLTD_FILTER_OK);
        all_found(db, 13, 3000);
        sltd_db_close(db);
    }
    /* stale: an older copy of the filter put back after more data was imported */
    tu_path(old, sizeof old, tmp, "old.filter");
    copy_file(fp, old);
    db = open_db(0);
    ck_assert_int_eq(tu_feed(feed, 14, 0, 1000), 0);
    ck_assert_int_eq(sltd_db_import_feed(NULL, db, feed, 0), 0);
    sltd_db_close(db);
    copy_file(old, fp);
    db = open_db(SLTD_OPEN_READONLY);
    ck_assert_int_eq(sltd_db_stats_get(&st, db), 0);
    ck_assert_int_eq(st.filter_state, SLTD_FILTER_BYPASS);
    all_found(db, 14, 1000);
    sltd_db_close(db);
}
END_TEST

START_TEST(filter_grows_with_the_data)
{
    sltd_db *db = create_with(15, 100000); /* more than the initial capacity (65,536) */
    sltd_stats st = SLTD_STATS_INIT;

    ck_assert_int_eq(sltd_db_stats_get(&st, db), 0);
    ck_assert_int_eq(st.filter_state, SLTD_FILTER_OK);
    ck_assert_uint_ge(st.filter_capacity, 100000);
    ck_assert_uint_eq(st.documents, 100000);
    ck_assert(st.filter_fpr_estimate < st.filter_fpr_target);
    all_found(db, 15, 100000);
    sltd_db_close(db);
}
END_TEST

START_TEST(version)
{
    ck_assert_int_eq(sltd_version_number(), SLTD_VERSION_NUMBER);
    ck_assert_str_eq(sltd_version(), SLTD_VERSION_STRING);
    ck_assert_ptr_nonnull(strstr(sltd_error_text(SLTD_EKEYPERM), "SLTD_EKEYPERM"));
    ck_assert_ptr_nonnull(strstr(sltd_error_text(12345), "unknown"));
    ck_assert_str_eq(sltd_status_name(SLTD_STATUS_STOLEN_BLANK), "stolen_blank");
}
END_TEST

int main(void)
{
    const TTest *const tests[] = {
        import_then_lookup, lookup_normalizes_and_filters_type, bad_input_is_an_error_not_a_miss,
        batch_matches_single, verdicts_single_and_batch, verdict_names, deprecated_names, open_errors,
        handle_refused_after_fork, close_after_fork_keeps_parent_readers, no_plaintext_at_rest, read_only_handle,
        bad_feed_changes_nothing, reimport_and_remove, add_and_remove_in_one_import,
        bounded_memory_import_matches, skip_invalid_imports_the_rest, serial_ranges,
        damaged_filter_never_trusted, filter_grows_with_the_data, version
    };

    return tu_main("api", 120, setup, teardown, tests, TU_COUNT(tests));
}
