/* SPDX-License-Identifier: Apache-2.0 */
/* test_damage.c — damaged and foreign files (invariants 1 and 2).
 *
 * The filter: truncated, bytes flipped, blocks zeroed, garbage appended, replaced by random bytes or by
 * another database's filter, at random offsets — a read-only handle never answers "not listed" for a
 * listed document, a writable one rebuilds it (verify: every stored digest covered). A filter left
 * mid-update by a killed writer (odd sequence counter) must not stall open.
 * LMDB: random bytes of several sizes as data.mdb or lock.mdb, another program's environment, a valid
 * environment without sltd's meta, a wrong format version, a missing key check, damaged meta values,
 * a damaged record value, the wrong key and bad key files — each a clear error (fail closed), never a
 * successful open that answers "not listed"; a foreign environment is not modified. Random byte damage
 * in LMDB's data pages (LMDB has no page checksums): each case is run in a child process and
 * classified; `sltd_db_verify` passing while a lookup misses a listed document is a failure. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <lmdb.h>

#include "bloom.h"
#include "relutil.h"
#include "sltd.h"
#include "testutil.h"

enum { S = 51, S_OTHER = 52 };
#define N_DOCS 3000UL
#define META_DB "\001meta"

static char dbdir[4096], key[4096], fpath[4200], good_filter[4096];


static sltd_db *open_ok(const char *dir, unsigned flags)
{
    sltd_db *db = NULL;
    int rc = ru_open(&db, dir, key, flags, 0);

    ck_assert_msg(rc == 0, "open %s: %s (%s)", dir, sltd_error_text(rc), sltd_error_detail());
    return db;
}

static void make_db(const char *dir, unsigned series, unsigned long n)
{
    char feed[4096];
    sltd_db *db = NULL;

    ck_assert_int_eq(ru_open(&db, dir, key, SLTD_OPEN_CREATE, 0), 0);
    tu_at(feed, "feed.csv");
    ck_assert_int_eq(tu_feed(feed, series, 0, n), 0);
    ck_assert_int_eq(sltd_db_import_feed(NULL, db, feed, 0), 0);
    sltd_db_close(db);
}

static void setup(void)
{
    tu_scratch("damage");
    tu_at(dbdir, "db");
    tu_at(key, "db.key");
    snprintf(fpath, sizeof fpath, "%s/sltd.filter", dbdir);
    tu_at(good_filter, "good.filter");
    make_db(dbdir, S, N_DOCS);
    ck_assert_int_eq(ru_copy_file(fpath, good_filter), 0);
}

static void teardown(void)
{
    tu_scratch_end();
}

/* Every document of the series is listed; some of another series are not. */
static void all_listed(sltd_db *db, unsigned long n)
{
    char num[16];
    sltd_result r = SLTD_RESULT_INIT;
    unsigned long i;
    int rc;

    for (i = 0; i < n; i++) {
        tu_number(num, S, i);
        rc = sltd_db_lookup(&r, db, "UTO", num, NULL);
        ck_assert_msg(rc == 0, "lookup %s: %s", num, sltd_error_text(rc));
        ck_assert_msg(r.listed, "false negative: %s", num);
    }
    for (i = 0; i < 100; i++) {
        tu_number(num, S_OTHER, i);
        ck_assert_int_eq(sltd_db_lookup(&r, db, "UTO", num, NULL), 0);
        ck_assert(!r.listed);
    }
}

static void write_random(const char *path, size_t len, uint64_t *seed)
{
    FILE *f = fopen(path, "wb");
    size_t i;

    ck_assert_ptr_nonnull(f);
    for (i = 0; i < len; i++)
        fputc((int)(tu_rand(seed) & 0xff), f);
    ck_assert_int_eq(fclose(f), 0);
}

static void poke(const char *path, long off, const void *b, size_t n)
{
    int fd = open(path, O_WRONLY);

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(pwrite(fd, b, n, off), (ssize_t)n);
    close(fd);
}

static long file_size(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

START_TEST(filter_random_damage)
{
    static const char *kinds[] = { "truncate", "flip", "zero block", "append", "random", "other db's" };
    uint64_t seed = 0xda4a6e;
    long size = file_size(good_filter), off;
    int round, k, bypass = 0;
    char other[4096];
    sltd_verify_report vr = SLTD_VERIFY_REPORT_INIT;
    sltd_stats st = SLTD_STATS_INIT;
    sltd_db *db;

    tu_at(other, "other");
    make_db(other, S_OTHER, N_DOCS); /* same size, same key, other data */
    snprintf(other + strlen(other), sizeof other - strlen(other), "/sltd.filter");
    for (round = 0; round < 60; round++) {
        ck_assert_int_eq(ru_copy_file(good_filter, fpath), 0);
        k = round % 6;
        switch (k) {
        case 0: ck_assert_int_eq(truncate(fpath, (off_t)(tu_rand(&seed) % (uint64_t)size)), 0); break;
        case 1: /* half in the header, half in the bits */
            off = round % 12 < 6 ? (long)(tu_rand(&seed) % 4096) : 4096 + (long)(tu_rand(&seed) % (uint64_t)(size - 4096));
            tu_flip_byte(fpath, off, (uint8_t)(1u << (tu_rand(&seed) % 8)));
            break;
        case 2: {
            static const uint8_t zero[64];
            off = 4096 + 64 * (long)(tu_rand(&seed) % (uint64_t)((size - 4096) / 64));
            poke(fpath, off, zero, 64);
            break;
        }
        case 3: {
            int fd = open(fpath, O_WRONLY | O_APPEND);
            ck_assert_int_ge(fd, 0);
            ck_assert_int_eq(write(fd, "garbage!", 8), 8);
            close(fd);
            break;
        }
        case 4: write_random(fpath, (size_t)size, &seed); break;
        default: ck_assert_int_eq(ru_copy_file(other, fpath), 0); break;
        }
        /* a reader meanwhile: bypass (or, for harmless damage, the filter), never a false negative */
        db = open_ok(dbdir, SLTD_OPEN_READONLY);
        ck_assert_int_eq(sltd_db_stats_get(&st, db), 0);
        bypass += st.filter_state == SLTD_FILTER_BYPASS;
        ck_assert_msg(st.filter_state == SLTD_FILTER_BYPASS || k == 1 || k == 2, "round %d (%s): damaged filter trusted",
                      round, kinds[k]);
        all_listed(db, N_DOCS);
        sltd_db_close(db);
        /* a writer repairs it */
        db = open_ok(dbdir, 0);
        ck_assert_int_eq(sltd_db_stats_get(&st, db), 0);
        ck_assert_int_eq(st.filter_state, SLTD_FILTER_OK);
        ck_assert_int_eq(sltd_db_verify(&vr, db), 0);
        ck_assert(vr.filter_checked && vr.filter_missing == 0);
        all_listed(db, N_DOCS);
        sltd_db_close(db);
    }
    fprintf(stderr, "damage: 60 damaged filters, %d detected (bypass), the others harmless; no false negative\n", bypass);
}
END_TEST

/* A writer killed between setting bits and committing leaves the sequence counter odd. Opening must
 * not wait for a writer that is gone. Regression (fixed in 0b277b6): open waited VERIFY_WAIT_MS (5 s)
 * in sltd__bloom_verify, on every read-only open until a writer repaired the file. */
START_TEST(filter_left_mid_update_does_not_stall_open)
{
    uint64_t seq;
    double t;
    sltd_db *db;
    int fd = open(fpath, O_RDWR);

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(pread(fd, &seq, 8, (off_t)offsetof(sltd__bloom_hdr, seq)), 8);
    ck_assert_uint_eq(seq % 2, 0);
    seq++;
    ck_assert_int_eq(pwrite(fd, &seq, 8, (off_t)offsetof(sltd__bloom_hdr, seq)), 8);
    close(fd);
    t = ru_now();
    db = open_ok(dbdir, SLTD_OPEN_READONLY);
    t = ru_now() - t;
    all_listed(db, N_DOCS);
    sltd_db_close(db);
    fprintf(stderr, "damage: read-only open with a filter left mid-update took %.3f s\n", t);
    ck_assert_msg(t < 1.0, "read-only open took %.3f s (a dead writer's odd sequence is waited for)", t);
    t = ru_now();
    db = open_ok(dbdir, 0);
    t = ru_now() - t;
    ck_assert_int_eq(sltd_db_verify(NULL, db), 0);
    sltd_db_close(db);
    fprintf(stderr, "damage: writable open (repairs it) took %.3f s\n", t);
    ck_assert_msg(t < 1.0, "writable open took %.3f s", t);
}
END_TEST

static int open_rc(const char *dir, unsigned flags)
{
    sltd_db *db = NULL;
    int rc = ru_open(&db, dir, key, flags, 0);

    if (rc == 0) {
        /* it opened: then it must answer right (this happens only where the damage is harmless) */
        all_listed(db, N_DOCS);
        sltd_db_close(db);
    } else {
        ck_assert_ptr_null(db);
        ck_assert_str_ne(sltd_error_detail(), "");
    }
    return rc;
}

START_TEST(lmdb_random_bytes)
{
    static const size_t sizes[] = { 0, 1, 100, 4096, 8192, 12288, 65536, 1 << 20 };
    char data[4200], lock[4200], work[4096];
    uint64_t seed = 0x1d4b;
    size_t i;
    int rc, ro;

    tu_at(work, "work");
    snprintf(data, sizeof data, "%s/data.mdb", work);
    snprintf(lock, sizeof lock, "%s/lock.mdb", work);
    for (i = 0; i < sizeof sizes / sizeof *sizes; i++)
        for (ro = 0; ro < 2; ro++) {
            tu_rmtree(work);
            ck_assert_int_eq(ru_copy_dir(dbdir, work), 0);
            write_random(data, sizes[i], &seed);
            rc = open_rc(work, ro ? SLTD_OPEN_READONLY : 0);
            /* (an empty data.mdb opened read-only gives LMDB's EINVAL, reported as SLTD_EIO: an error all the
             * same, if not the clearest one) */
            ck_assert_msg(rc == SLTD_ECORRUPT || rc == SLTD_EVERSION || (sizes[i] == 0 && rc < 0), "data.mdb of %zu random bytes, %s: %s", sizes[i],
                          ro ? "read-only" : "writable", sltd_error_text(rc));
            /* a database that was refused is left as it was (an empty file aside: see the foreign env test) */
            ck_assert(sizes[i] == 0 || file_size(data) == (long)sizes[i]);
        }
    /* a damaged lock file: LMDB's lock state, no data — refused, or (rebuilt) answered right */
    for (i = 0; i < 4; i++) {
        tu_rmtree(work);
        ck_assert_int_eq(ru_copy_dir(dbdir, work), 0);
        write_random(lock, sizes[3 + i], &seed);
        rc = open_rc(work, i % 2 ? SLTD_OPEN_READONLY : 0);
        ck_assert_msg(rc == 0 || rc == SLTD_ECORRUPT || rc == SLTD_EVERSION || rc == SLTD_EIO,
                      "lock.mdb of %zu random bytes: %s", sizes[3 + i], sltd_error_text(rc));
    }
}
END_TEST

/* An LMDB environment written by another program. */
static void make_foreign(const char *dir, int with_data)
{
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi, other;
    MDB_val k = { 5, "hello" }, v = { 5, "world" };

    ck_assert_int_eq(mkdir(dir, 0755), 0);
    ck_assert_int_eq(mdb_env_create(&env), 0);
    ck_assert_int_eq(mdb_env_set_maxdbs(env, 4), 0);
    ck_assert_int_eq(mdb_env_open(env, dir, 0, 0644), 0);
    ck_assert_int_eq(mdb_txn_begin(env, NULL, 0, &txn), 0);
    ck_assert_int_eq(mdb_dbi_open(txn, NULL, 0, &dbi), 0);
    if (with_data) {
        ck_assert_int_eq(mdb_put(txn, dbi, &k, &v, 0), 0);
        ck_assert_int_eq(mdb_dbi_open(txn, "other", MDB_CREATE, &other), 0);
        ck_assert_int_eq(mdb_put(txn, other, &k, &v, 0), 0);
    }
    ck_assert_int_eq(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
}

static size_t last_txnid(const char *dir, size_t *entries)
{
    MDB_env *env;
    MDB_envinfo info;
    MDB_stat st;

    ck_assert_int_eq(mdb_env_create(&env), 0);
    ck_assert_int_eq(mdb_env_open(env, dir, MDB_RDONLY, 0644), 0);
    mdb_env_info(env, &info);
    mdb_env_stat(env, &st);
    *entries = st.ms_entries;
    mdb_env_close(env);
    return info.me_last_txnid;
}

/* A writable open of an LMDB environment that is not an sltd database must refuse it without writing.
 * Regression (fixed in 0b277b6): lib/store.c created sltd's meta table and committed before
 * check_meta refused the environment. */
START_TEST(foreign_lmdb_env_refused_and_untouched)
{
    char dir[4096];
    size_t before, after, e1, e2;
    int with, rc;

    for (with = 0; with < 2; with++) {
        tu_at(dir, with ? "foreign" : "empty-env");
        make_foreign(dir, with);
        before = last_txnid(dir, &e1);
        rc = open_rc(dir, SLTD_OPEN_READONLY);
        ck_assert_msg(rc == SLTD_ECORRUPT, "%s, read-only: %s", dir, sltd_error_text(rc));
        rc = open_rc(dir, 0);
        ck_assert_msg(rc == SLTD_ECORRUPT, "%s, writable: %s", dir, sltd_error_text(rc));
        ck_assert_ptr_nonnull(strstr(sltd_error_detail(), "not an sltd database"));
        after = last_txnid(dir, &e2);
        ck_assert_msg(before == after && e1 == e2,
                      "%s: refused, but modified (transaction %zu -> %zu, %zu -> %zu entries)", dir, before, after,
                      e1, e2);
    }
}
END_TEST

/* Put (or delete, val NULL) a meta value of a closed sltd database directly with LMDB. */
static void meta_put(const char *dir, const char *name, const void *val, size_t len)
{
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi meta;
    MDB_val k = { strlen(name), (void *)name }, v = { len, (void *)val };

    ck_assert_int_eq(mdb_env_create(&env), 0);
    ck_assert_int_eq(mdb_env_set_maxdbs(env, 4), 0);
    ck_assert_int_eq(mdb_env_open(env, dir, 0, 0644), 0);
    ck_assert_int_eq(mdb_txn_begin(env, NULL, 0, &txn), 0);
    ck_assert_int_eq(mdb_dbi_open(txn, META_DB, 0, &meta), 0);
    if (val == NULL)
        ck_assert_int_eq(mdb_del(txn, meta, &k, NULL), 0);
    else
        ck_assert_int_eq(mdb_put(txn, meta, &k, &v, 0), 0);
    ck_assert_int_eq(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
}

START_TEST(wrong_format_version_and_meta)
{
    static const uint8_t v99[4] = { 0, 0, 0, 99 }, v1[4] = { 0, 0, 0, 1 }, short3[3] = { 0, 0, 2 };
    static const uint8_t seven[7] = { 0 };
    char work[4096];
    sltd_stats st = SLTD_STATS_INIT;
    sltd_db *db;
    int ro;

    tu_at(work, "work");
    for (ro = 0; ro < 2; ro++) {
        unsigned fl = ro ? SLTD_OPEN_READONLY : 0;
        tu_rmtree(work);
        ck_assert_int_eq(ru_copy_dir(dbdir, work), 0);
        meta_put(work, "format", v99, 4);
        ck_assert_int_eq(open_rc(work, fl), SLTD_EVERSION);
        ck_assert_ptr_nonnull(strstr(sltd_error_detail(), "format"));
        meta_put(work, "format", v1, 4);
        ck_assert_int_eq(open_rc(work, fl), SLTD_EVERSION);
        meta_put(work, "format", short3, 3);
        ck_assert_int_eq(open_rc(work, fl), SLTD_ECORRUPT);
        meta_put(work, "format", NULL, 0);
        ck_assert_int_eq(open_rc(work, fl), SLTD_ECORRUPT);
        /* no key check: the key cannot be shown to belong here */
        tu_rmtree(work);
        ck_assert_int_eq(ru_copy_dir(dbdir, work), 0);
        meta_put(work, "key_check", NULL, 0);
        ck_assert_int_eq(open_rc(work, fl), SLTD_EWRONGKEY);
        /* damaged counts: stats and verify say so */
        tu_rmtree(work);
        ck_assert_int_eq(ru_copy_dir(dbdir, work), 0);
        meta_put(work, "records", seven, 7);
        db = open_ok(work, fl);
        ck_assert_int_eq(sltd_db_stats_get(&st, db), SLTD_ECORRUPT);
        ck_assert_int_eq(sltd_db_verify(NULL, db), SLTD_ECORRUPT);
        all_listed(db, N_DOCS); /* lookups need no counts */
        sltd_db_close(db);
        /* a damaged freshness value: whether the data expired cannot be told, so nothing answers
         * (fail closed), rather than answers stamped with no expiry */
        tu_rmtree(work);
        ck_assert_int_eq(ru_copy_dir(dbdir, work), 0);
        meta_put(work, "expires", seven, 7);
        ck_assert_int_eq(open_rc(work, fl), SLTD_ECORRUPT);
        ck_assert_ptr_nonnull(strstr(sltd_error_detail(), "expires"));
    }
}
END_TEST

/* A damaged record value: the lookup of that document fails (ECORRUPT), never "not listed". */
START_TEST(damaged_record_value)
{
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    uint8_t d[SLTD_DIGEST_SIZE];
    MDB_val k = { SLTD_DIGEST_SIZE, d }, v = { 3, "\x7f\x7f\x7f" };
    char num[16];
    sltd_result r = SLTD_RESULT_INIT;
    sltd_query q = { "UTO", num, NULL };
    sltd_db *db = open_ok(dbdir, 0);

    tu_number(num, S, 17);
    ck_assert_int_eq(sltd_db_digest(d, db, "UTO", num), 0);
    sltd_db_close(db);
    ck_assert_int_eq(mdb_env_create(&env), 0);
    ck_assert_int_eq(mdb_env_set_maxdbs(env, 4), 0);
    ck_assert_int_eq(mdb_env_open(env, dbdir, 0, 0644), 0);
    ck_assert_int_eq(mdb_txn_begin(env, NULL, 0, &txn), 0);
    ck_assert_int_eq(mdb_dbi_open(txn, NULL, 0, &dbi), 0);
    ck_assert_int_eq(mdb_put(txn, dbi, &k, &v, 0), 0);
    ck_assert_int_eq(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
    db = open_ok(dbdir, SLTD_OPEN_READONLY);
    ck_assert_int_eq(sltd_db_lookup(&r, db, "UTO", num, NULL), SLTD_ECORRUPT);
    ck_assert_int_eq(sltd_db_lookup_batch(&r, db, &q, 1), SLTD_ECORRUPT);
    ck_assert_int_eq(r.error, SLTD_ECORRUPT);
    ck_assert_int_eq(sltd_db_verify(NULL, db), SLTD_ECORRUPT);
    sltd_db_close(db);
}
END_TEST

START_TEST(bad_keys_refused)
{
    char k2[4096], lnk[4096];
    sltd_db *db = NULL;
    uint8_t junk[32];
    uint64_t seed = 7;
    int i;

    for (i = 0; i < 32; i++)
        junk[i] = (uint8_t)tu_rand(&seed);
    tu_at(k2, "k2.key");
    /* a wrong key of the right size */
    ck_assert_int_eq(tu_write(k2, ""), 0);
    poke(k2, 0, junk, 32);
    ck_assert_int_eq(chmod(k2, 0600), 0);
    ck_assert_int_eq(ru_open(&db, dbdir, k2, SLTD_OPEN_READONLY, 0), SLTD_EWRONGKEY);
    ck_assert_int_eq(ru_open(&db, dbdir, k2, 0, 0), SLTD_EWRONGKEY);
    /* too short, too long, empty */
    ck_assert_int_eq(truncate(k2, 31), 0);
    ck_assert_int_eq(ru_open(&db, dbdir, k2, 0, 0), SLTD_EKEY);
    ck_assert_int_eq(truncate(k2, 33), 0);
    ck_assert_int_eq(ru_open(&db, dbdir, k2, 0, 0), SLTD_EKEY);
    ck_assert_int_eq(truncate(k2, 0), 0);
    ck_assert_int_eq(ru_open(&db, dbdir, k2, 0, 0), SLTD_EKEY);
    /* a symbolic link to the right key, a directory */
    tu_at(lnk, "link.key");
    ck_assert_int_eq(symlink(key, lnk), 0);
    ck_assert_int_eq(ru_open(&db, dbdir, lnk, 0, 0), SLTD_EKEY);
    ck_assert_int_eq(ru_open(&db, dbdir, tu_dir, 0, 0), SLTD_EKEY);
    /* permissions: any group or other bit */
    for (i = 0; i < 6; i++) {
        static const mode_t modes[] = { 0640, 0620, 0610, 0604, 0602, 0601 };
        ck_assert_int_eq(chmod(key, modes[i]), 0);
        ck_assert_int_eq(ru_open(&db, dbdir, key, SLTD_OPEN_READONLY, 0), SLTD_EKEYPERM);
    }
    ck_assert_int_eq(chmod(key, 0400), 0);
    ck_assert_int_eq(ru_open(&db, dbdir, key, SLTD_OPEN_READONLY, 0), 0);
    sltd_db_close(db);
    ck_assert_ptr_nonnull(db);
}
END_TEST

/* Random byte damage in LMDB's data pages (not its two meta pages), one case per child process: are
 * the lookups still right (as a kiosk that does not run verify would see them), and does verify see
 * the damage? LMDB has no page checksums, so wrong lookups are possible; verify passing with them is
 * not acceptable. */
enum { C_OPEN, C_WRONG_VERIFY, C_RIGHT_VERIFY, C_OK, C_SILENT, C_OTHER };

static int damaged_child(const char *dir)
{
    sltd_db *db = NULL;
    char num[16];
    sltd_result r = SLTD_RESULT_INIT;
    unsigned long i;
    int rc, wrong = 0;

    if (ru_open(&db, dir, key, SLTD_OPEN_READONLY, 0) != 0)
        return C_OPEN;
    for (i = 0; i < N_DOCS; i++) {
        tu_number(num, S, i);
        rc = sltd_db_lookup(&r, db, "UTO", num, NULL);
        wrong += rc == 0 && !r.listed; /* an error is fail-closed; "not listed" is not */
    }
    rc = sltd_db_verify(NULL, db);
    sltd_db_close(db);
    if (rc != 0)
        return wrong ? C_WRONG_VERIFY : C_RIGHT_VERIFY;
    return wrong ? C_SILENT : C_OK;
}

START_TEST(lmdb_data_page_damage)
{
    static const char *names[] = { "refused at open", "false negatives that only verify finds",
                                   "lookups right, verify finds the damage", "harmless", "SILENT", "?" };
    char work[4096], data[4200];
    long size, off;
    uint64_t seed = 0xbadbeef;
    int counts[6] = { 0 }, crashes = 0, round, j, st;
    pid_t pid;

    tu_at(work, "work");
    snprintf(data, sizeof data, "%s/data.mdb", work);
    for (round = 0; round < 40; round++) {
        tu_rmtree(work);
        ck_assert_int_eq(ru_copy_dir(dbdir, work), 0);
        size = file_size(data);
        for (j = 0; j <= round % 4; j++) {
            off = 2 * 4096 + (long)(tu_rand(&seed) % (uint64_t)(size - 2 * 4096));
            tu_flip_byte(data, off, (uint8_t)(1u << (tu_rand(&seed) % 8)));
        }
        pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0)
            _exit(damaged_child(work));
        st = ru_wait(pid);
        if (st >= 1000)
            crashes++;
        else
            counts[st <= C_OTHER ? st : C_OTHER]++;
    }
    fprintf(stderr, "damage: 40 damaged data.mdb: %d %s, %d %s, %d %s, %d %s, %d crashed (signal) in LMDB, %d %s\n",
            counts[C_OPEN], names[C_OPEN], counts[C_WRONG_VERIFY], names[C_WRONG_VERIFY], counts[C_RIGHT_VERIFY],
            names[C_RIGHT_VERIFY], counts[C_OK], names[C_OK], crashes, counts[C_SILENT], names[C_SILENT]);
    ck_assert_int_eq(counts[C_SILENT], 0);
    ck_assert_int_eq(counts[C_OTHER], 0);
}
END_TEST

int main(void)
{
    const TTest *const tests[] = {
        filter_random_damage, filter_left_mid_update_does_not_stall_open, lmdb_random_bytes,
        foreign_lmdb_env_refused_and_untouched, wrong_format_version_and_meta, damaged_record_value,
        bad_keys_refused, lmdb_data_page_damage
    };

    return tu_main("damage", 300, setup, teardown, tests, TU_COUNT(tests));
}
