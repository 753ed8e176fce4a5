/* SPDX-License-Identifier: Apache-2.0 */
/* test_secrecy.c — invariant 3 and the key rules.
 *
 *  - No plaintext document number in any file the library or the CLI writes: the database directory
 *    (data.mdb, lock.mdb, sltd.filter, leftovers), full and delta bundles, and what the CLI prints on
 *    its successful runs (import, pack, apply, verify, stats). (test_crash scans what a killed import
 *    or apply leaves behind; test_api no_plaintext_at_rest checks every number of a feed.)
 *  - Key files: the master key and the signing key are created 0600 whatever the umask, never inside
 *    the database directory; group/other access is refused (test_damage bad_keys_refused,
 *    test_api open_errors).
 *  - Key memory: while a handle is open, the derived PRF key is in the process (a positive control:
 *    the scan below finds it); after sltd_db_close, neither the derived key nor the master key is anywhere
 *    in the process's readable memory (heap, anonymous mappings, stacks). This is how "wiped at close"
 *    is tested: sodium_free unmaps the key's pages (a read would fault), so the test scans every
 *    readable mapping listed in /proc/self/maps for the 16 key bytes instead, excluding only its own
 *    copy, which it keeps in sodium_malloc memory.
 *  - Misuse: the same database opened twice in one process — also through a symbolic link, a trailing
 *    slash or a relative path — is SLTD_EBUSY; a handle used in a child after fork() is SLTD_EFORK for
 *    every call (test_api handle_refused_after_fork covers the lookup). */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "relutil.h"
#include "sltd.h"
#include "testutil.h"

enum { S = 81, SD = 82 };

static const char *cli;
static char dbdir[4096], key[4096], sec[4096], pub[4096];

/* fwrite is interposed (the library is linked statically into this program): while armed, every
 * buffer written through it is scanned for a plaintext number of the series. The import's sort runs
 * are written this way, to unlinked temporary files that no directory scan can see. */
extern size_t _IO_fwrite(const void *, size_t, size_t, FILE *);
static volatile int fw_armed;
static char fw_prefix[3];
static volatile long fw_calls, fw_bytes, fw_hits;

size_t fwrite(const void *p, size_t size, size_t n, FILE *f)
{
    if (fw_armed) {
        fw_calls++;
        fw_bytes += (long)(size * n);
        if (ru_find_plain(p, size * n, fw_prefix) != 0)
            fw_hits++;
    }
    return _IO_fwrite(p, size, n, f);
}


static void setup(void)
{
    tu_scratch("secrecy");
    tu_at(dbdir, "db");
    tu_at(key, "db.key");
    tu_at(sec, "auth.sec");
    tu_at(pub, "auth.pub");
}

static void teardown(void)
{
    tu_scratch_end();
}

static void run_ok(const char *log, char *const argv[])
{
    int rc = ru_run(argv, log);

    ck_assert_msg(rc == 0, "%s %s: exit %d", argv[0], argv[1], rc);
}

START_TEST(no_plaintext_in_files_bundles_or_output)
{
    char feed[4096], delta[4096], out[4096], b1[4096], b2[4096], log[4096], authdb[4096], prefix[4096];
    char who[4400], pa[3], pd[3];
    long files;

    tu_at(feed, "feed.csv");
    tu_at(delta, "delta.csv");
    tu_at(out, "out");
    ck_assert_int_eq(mkdir(out, 0755), 0);
    tu_path(b1, sizeof b1, out, "full.sltd");
    tu_path(b2, sizeof b2, out, "delta.sltd");
    tu_path(log, sizeof log, out, "cli.log");
    tu_at(authdb, "authdb");
    tu_at(prefix, "auth");
    ck_assert_int_eq(tu_feed(feed, S, 0, 20000), 0);
    ck_assert_int_eq(ru_feed(delta, SD, 0, 3000, 2, S, 0, 1000), 0);
    {
        char *a[] = { (char *)cli, "init", "--db", dbdir, "--key", key, NULL };
        run_ok(log, a);
    }
    {
        char *a[] = { (char *)cli, "import", "--db", dbdir, "--key", key, feed, NULL };
        run_ok(log, a);
    }
    {
        char *a[] = { (char *)cli, "keygen", "--out", prefix, NULL };
        run_ok(log, a);
    }
    {
        char *a[] = { (char *)cli, "init", "--db", authdb, "--key", key, NULL };
        run_ok(log, a);
    }
    {
        char *a[] = { (char *)cli, "pack", "--key", key, "--sign", sec, "--seq", "1", "-o", b1, feed, NULL };
        run_ok(log, a);
    }
    {
        char *a[] = { (char *)cli, "apply", "--db", authdb, "--key", key, "--trust", pub, b1, NULL };
        run_ok(log, a);
    }
    {
        char *a[] = { (char *)cli, "pack", "--db", authdb, "--sign", sec, "--seq", "2", "--base", "1", "-o", b2, delta,
                      NULL };
        char k2[4200];
        snprintf(k2, sizeof k2, "%s.key", authdb); /* pack --db defaults the key to DIR.key */
        ck_assert_int_eq(ru_copy_file(key, k2), 0);
        ck_assert_int_eq(chmod(k2, 0600), 0);
        run_ok(log, a);
    }
    {
        char *a[] = { (char *)cli, "apply", "--db", authdb, "--key", key, "--trust", pub, b2, NULL };
        run_ok(log, a);
    }
    {
        char *a[] = { (char *)cli, "verify", "--db", authdb, "--key", key, NULL };
        run_ok(log, a);
    }
    {
        char *a[] = { (char *)cli, "stats", "--db", authdb, "--json", NULL };
        run_ok(log, a);
    }
    ru_series_prefix(pa, S);
    ru_series_prefix(pd, SD);
    /* the self-test of the scanner: the feeds do hold numbers */
    {
        size_t len;
        char *buf = tu_load(feed, &len);
        ck_assert(ru_find_plain(buf, len, pa) != 0);
        free(buf);
    }
    files = ru_scan_dir_plain(dbdir, pa, who, sizeof who);
    ck_assert_msg(files >= 3, "plaintext: %s", who);
    files = ru_scan_dir_plain(authdb, pa, who, sizeof who);
    ck_assert_msg(files >= 3, "plaintext: %s", who);
    files = ru_scan_dir_plain(authdb, pd, who, sizeof who);
    ck_assert_msg(files >= 3, "plaintext: %s", who);
    files = ru_scan_dir_plain(out, pa, who, sizeof who); /* the bundles and the CLI's output */
    ck_assert_msg(files == 3, "plaintext: %s (or %ld files)", who, files);
    files = ru_scan_dir_plain(out, pd, who, sizeof who);
    ck_assert_msg(files == 3, "plaintext: %s", who);
    /* nothing else was left beside the database (temporary files) */
    {
        char p[4200];
        snprintf(p, sizeof p, "%s/sltd.filter.tmp", authdb);
        ck_assert_int_ne(access(p, F_OK), 0);
    }
}
END_TEST

START_TEST(key_files_created_private)
{
    char prefix[4096], kf[4200];
    sltd_db *db = NULL;
    struct stat st;
    mode_t old = umask(0);

    ck_assert_int_eq(ru_open(&db, dbdir, NULL, SLTD_OPEN_CREATE, 0), 0);
    sltd_db_close(db);
    snprintf(kf, sizeof kf, "%s.key", dbdir);
    ck_assert_int_eq(stat(kf, &st), 0);
    ck_assert_uint_eq(st.st_mode & 0777, 0600);
    ck_assert_int_eq(st.st_size, SLTD_KEY_SIZE);
    snprintf(kf, sizeof kf, "%s/db.key", dbdir);
    ck_assert_int_ne(access(kf, F_OK), 0); /* beside the directory, not in it */
    tu_at(prefix, "auth");
    ck_assert_int_eq(sltd_signing_key_create(NULL, prefix), 0);
    ck_assert_int_eq(stat(sec, &st), 0);
    ck_assert_uint_eq(st.st_mode & 0777, 0600);
    ck_assert_int_eq(stat(pub, &st), 0);
    ck_assert_uint_eq(st.st_mode & 077, st.st_mode & 044 & 077); /* public: readable, not writable by others */
    umask(old);
}
END_TEST

/* Does any readable mapping of this process, other than [skip, skip + skiplen), hold the bytes? */
static int in_memory(const uint8_t *needle, size_t n, const void *skip, size_t skiplen, char *where, size_t wcap)
{
    FILE *f = fopen("/proc/self/maps", "r");
    char line[512], perms[8], name[256];
    unsigned long lo, hi;
    int found = 0;

    ck_assert_ptr_nonnull(f);
    while (!found && fgets(line, sizeof line, f) != NULL) {
        name[0] = '\0';
        if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %255s", &lo, &hi, perms, name) < 3 || perms[0] != 'r')
            continue;
        if (strcmp(name, "[vvar]") == 0 || strcmp(name, "[vsyscall]") == 0 || strcmp(name, "[vvar_vclock]") == 0)
            continue;
        if (name[0] == '/' && perms[1] != 'w')
            continue; /* read-only file mappings: code and constants */
        {
            const uint8_t *p = (const uint8_t *)lo, *end = (const uint8_t *)hi, *hit;
            while (p < end && (hit = memmem(p, (size_t)(end - p), needle, n)) != NULL) {
                if (!(hit >= (const uint8_t *)skip && hit < (const uint8_t *)skip + skiplen)) {
                    snprintf(where, wcap, "%s at %p (%s)", name[0] ? name : "anonymous", (const void *)hit, perms);
                    found = 1;
                    break;
                }
                p = hit + 1;
            }
        }
    }
    fclose(f);
    return found;
}

START_TEST(key_memory_gone_after_close)
{
    enum { MASTER = 0, DERIVED = 32 };
    uint8_t *mine;
    char where[512], feed[4096], num[16];
    sltd_db *db = NULL;
    sltd_result r = SLTD_RESULT_INIT;
    int fd, i;

    {
        const char *pre = getenv("LD_PRELOAD");
        int asan = 0;
#if defined(__SANITIZE_ADDRESS__)
        asan = 1;
#endif
        if (asan || (pre != NULL && strstr(pre, "vgpreload") != NULL)) {
            fprintf(stderr, "secrecy: under ASan or valgrind the process's maps include the tool's own (shadow "
                            "memory): memory scan skipped; run the plain build\n");
            return;
        }
    }
    ck_assert_int_ge(sodium_init(), 0);
    ck_assert_int_eq(ru_open(&db, dbdir, key, SLTD_OPEN_CREATE, 0), 0);
    tu_at(feed, "feed.csv");
    ck_assert_int_eq(tu_feed(feed, S, 0, 1000), 0);
    ck_assert_int_eq(sltd_db_import_feed(NULL, db, feed, 0), 0);
    for (i = 0; i < 1000; i++) { /* lookups (hits and misses) use the key */
        tu_number(num, S, (unsigned long)i);
        ck_assert_int_eq(sltd_db_lookup(&r, db, "UTO", num, NULL), 0);
        ck_assert(r.listed);
    }
    /* our own copy of the master key and of the key the library derives from it (README: crypto_kdf,
     * context "sltd-prf", subkey 1, SipHash-128 key), in memory the scan skips */
    mine = sodium_malloc(64);
    ck_assert_ptr_nonnull(mine);
    fd = open(key, O_RDONLY);
    ck_assert_int_eq(read(fd, mine + MASTER, 32), 32);
    close(fd);
    ck_assert_int_eq(crypto_kdf_derive_from_key(mine + DERIVED, crypto_shorthash_siphashx24_KEYBYTES, 1, "sltd-prf",
                                                mine + MASTER), 0);
    /* positive control: the open handle's key is found */
    ck_assert_msg(in_memory(mine + DERIVED, 16, mine, 64, where, sizeof where),
                  "the scan does not find the open handle's key: the test would prove nothing");
    sltd_db_close(db);
    ck_assert_msg(!in_memory(mine + DERIVED, 16, mine, 64, where, sizeof where),
                  "the derived key is still in memory after sltd_db_close: %s", where);
    ck_assert_msg(!in_memory(mine + MASTER, 32, mine, 64, where, sizeof where),
                  "the master key is in memory after sltd_db_close: %s", where);
    /* and during a handle's life the master key is not kept at all (wiped once derived) */
    ck_assert_int_eq(ru_open(&db, dbdir, key, SLTD_OPEN_READONLY, 0), 0);
    ck_assert_msg(!in_memory(mine + MASTER, 32, mine, 64, where, sizeof where),
                  "the master key is in memory while a handle is open: %s", where);
    sltd_db_close(db);
    sodium_free(mine);
}
END_TEST

START_TEST(misuse_refused)
{
    char lnk[4096], slash[4200], rel[4200], cwd[4096], feed[4096], b[4096], num[16];
    sltd_pack_options po = SLTD_PACK_OPTIONS_INIT;
    sltd_db *db = NULL, *db2 = NULL;
    const char *trusted[1] = { pub };
    int st;
    pid_t pid;

    ck_assert_int_eq(ru_open(&db, dbdir, key, SLTD_OPEN_CREATE, 0), 0);
    tu_at(feed, "feed.csv");
    ck_assert_int_eq(tu_feed(feed, S, 0, 100), 0);
    ck_assert_int_eq(sltd_db_import_feed(NULL, db, feed, 0), 0);
    tu_signing_keys(sec, pub, "auth");
    tu_at(b, "b.sltd");
    po.key_path = key;
    po.sign_path = sec;
    po.sequence = 1;
    ck_assert_int_eq(sltd_bundle_pack(NULL, NULL, feed, b, &po), 0);
    /* the same database under other names */
    tu_at(lnk, "link");
    ck_assert_int_eq(symlink(dbdir, lnk), 0);
    snprintf(slash, sizeof slash, "%s//", dbdir);
    ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
    ck_assert_int_eq(chdir(tu_dir), 0);
    snprintf(rel, sizeof rel, "./db");
    ck_assert_int_eq(ru_open(&db2, rel, key, SLTD_OPEN_READONLY, 0), SLTD_EBUSY);
    ck_assert_int_eq(chdir(cwd), 0);
    ck_assert_int_eq(ru_open(&db2, lnk, key, SLTD_OPEN_READONLY, 0), SLTD_EBUSY);
    ck_assert_int_eq(ru_open(&db2, slash, key, 0, 0), SLTD_EBUSY);
    ck_assert_ptr_nonnull(strstr(sltd_error_detail(), "already open"));
    ck_assert_ptr_null(db2);
    /* every call of a handle in a forked child */
    tu_number(num, S, 3);
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        sltd_result r = SLTD_RESULT_INIT, rb = SLTD_RESULT_INIT;
        sltd_query q = { "UTO", num, NULL };
        sltd_stats s = SLTD_STATS_INIT;
        sltd_verify_report vr = SLTD_VERIFY_REPORT_INIT;
        sltd_import_report ir = SLTD_IMPORT_REPORT_INIT;
        sltd_bundle_report br = SLTD_BUNDLE_REPORT_INIT;
        int bad = 0;
        bad |= sltd_db_lookup(&r, db, "UTO", num, NULL) != SLTD_EFORK;
        bad |= (sltd_db_lookup_batch(&rb, db, &q, 1) != SLTD_EFORK || rb.error != SLTD_EFORK) << 1;
        bad |= (sltd_db_stats_get(&s, db) != SLTD_EFORK) << 2;
        bad |= (sltd_db_verify(&vr, db) != SLTD_EFORK) << 3;
        bad |= (sltd_db_import_feed(&ir, db, feed, 0) != SLTD_EFORK) << 4;
        bad |= (sltd_bundle_apply(&br, db, b, trusted, 1, 0) != SLTD_EFORK) << 5;
        _exit(bad);
    }
    st = ru_wait(pid);
    ck_assert_msg(st == 0, "a call in the child was not refused with SLTD_EFORK (mask %d)", st);
    ck_assert_int_eq(sltd_db_verify(NULL, db), 0); /* the parent's handle is unaffected */
    sltd_db_close(db);
}
END_TEST

/* The bounded-memory import spills sorted runs of entries to temporary files: they must hold no
 * plaintext number either. Regression (fixed in c069b07): entries were built in uninitialised stack
 * variables and spilled whole, so stale stack bytes (the unused tail of rec[], padding) went to disk
 * (valgrind: "write(buf) points to uninitialised byte(s)" in sorter.c spill). */
START_TEST(no_plaintext_in_sort_runs)
{
    sltd_import_options io = SLTD_IMPORT_OPTIONS_INIT;
    char feed[4096];
    sltd_db *db = NULL;
    int rc;

    ck_assert_int_eq(ru_open(&db, dbdir, key, SLTD_OPEN_CREATE, 0), 0);
    tu_at(feed, "feed.csv");
    ck_assert_int_eq(tu_feed(feed, S, 0, 50000), 0);
    io.memory_budget = 1000; /* 50 runs */
    ru_series_prefix(fw_prefix, S);
    fw_armed = 1;
    rc = sltd_db_import_feed_ex(NULL, db, feed, &io);
    fw_armed = 0;
    ck_assert_msg(rc == 0, "import: %s (%s)", sltd_error_text(rc), sltd_error_detail());
    fprintf(stderr, "secrecy: bounded-memory import wrote %ld bytes in %ld fwrite calls to its sort runs; %ld held a "
                    "plaintext number\n", fw_bytes, fw_calls, fw_hits);
    ck_assert_int_gt(fw_bytes, 0);
    ck_assert_msg(fw_hits == 0, "%ld writes to the temporary sort files held a plaintext document number", fw_hits);
    sltd_db_close(db);
}
END_TEST

/* Freeze: data past its expiry is flagged in every answer, and refused on a SLTD_OPEN_REFUSE_STALE
 * handle (SLTD_EEXPIRED, never "not listed"). */
START_TEST(freeze_is_visible)
{
    sltd_pack_options po = SLTD_PACK_OPTIONS_INIT;
    char feed[4096], b[4096], num[16];
    const char *trusted[1] = { pub };
    sltd_db *db = NULL;
    sltd_result r = SLTD_RESULT_INIT;
    int rc;

    ck_assert_int_eq(ru_open(&db, dbdir, key, SLTD_OPEN_CREATE, 0), 0);
    tu_at(feed, "feed.csv");
    ck_assert_int_eq(tu_feed(feed, S, 0, 10), 0);
    tu_signing_keys(sec, pub, "auth");
    tu_at(b, "b.sltd");
    po.key_path = key;
    po.sign_path = sec;
    po.sequence = 1;
    po.valid_days = 1;
    po.created = (int64_t)time(NULL) - 86400 + 2; /* expires two seconds from now */
    ck_assert_int_eq(sltd_bundle_pack(NULL, NULL, feed, b, &po), 0);
    rc = sltd_bundle_apply(NULL, db, b, trusted, 1, 0);
    ck_assert_msg(rc == 0, "apply: %s (%s)", sltd_error_text(rc), sltd_error_detail());
    tu_number(num, S, 1);
    ck_assert_int_eq(sltd_db_lookup(&r, db, "UTO", num, NULL), 0);
    ck_assert(r.listed && !r.stale && r.data_sequence == 1 && r.data_expires > 0);
    sleep(3);
    ck_assert_int_eq(sltd_db_lookup(&r, db, "UTO", num, NULL), 0);
    ck_assert(r.listed && r.stale);
    sltd_db_close(db);
    ck_assert_int_eq(ru_open(&db, dbdir, key, SLTD_OPEN_READONLY | SLTD_OPEN_REFUSE_STALE, 0), 0);
    ck_assert_int_eq(sltd_db_lookup(&r, db, "UTO", num, NULL), SLTD_EEXPIRED);
    tu_number(num, S, 999); /* a miss is refused too: stale data cannot clear anyone */
    ck_assert_int_eq(sltd_db_lookup(&r, db, "UTO", num, NULL), SLTD_EEXPIRED);
    sltd_db_close(db);
}
END_TEST

int main(int argc, char **argv)
{
    const TTest *const tests[] = {
        no_plaintext_in_files_bundles_or_output, key_files_created_private, key_memory_gone_after_close,
        misuse_refused, freeze_is_visible, no_plaintext_in_sort_runs
    };

    if (argc < 2) {
        fprintf(stderr, "usage: test_secrecy PATH/TO/sltd\n");
        return 2;
    }
    cli = argv[1];
    return tu_main("secrecy", 120, setup, teardown, tests, TU_COUNT(tests));
}
