/* SPDX-License-Identifier: Apache-2.0 */
/* test_disk.c — a full map and a full disk.
 *
 * Map: a database opened with a 1 MiB map takes an import twenty times larger (the map grows).
 * Disk: a database on a 16 MiB tmpfs (mounted here: root only; skipped with a message when the mount is
 * refused) with a ballast file that leaves little room. An import that does not fit must fail with
 * SLTD_EFULL — from LMDB's writes (1 MiB left) and from the filter rebuild (a few KiB left: the new
 * filter file is written through a shared mapping, where a full disk would be a SIGBUS unless the space
 * is reserved first) — leaving the data unchanged and verified, while a reader process keeps answering
 * with no false negative and no error; once the ballast is gone, the same import succeeds. Each import
 * runs in a child process, so a crash is seen as one. */
#include <check.h>
#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "relutil.h"
#include "sltd.h"
#include "testutil.h"

enum { SA = 71, SB = 72 };

static char key[4096];
static pid_t reader_pid;


static void setup(void)
{
    tu_scratch("disk");
    tu_at(key, "db.key");
}

static void teardown(void)
{
    char mnt[4096];

    if (reader_pid > 0) { /* a failed test: do not leave the reader spinning or the tmpfs mounted */
        kill(reader_pid, SIGKILL);
        ru_wait(reader_pid);
    }
    tu_at(mnt, "mnt");
    umount2(mnt, MNT_DETACH);
    tu_scratch_end();
}

START_TEST(small_map_grows)
{
    char dir[4096], feed[4096];
    sltd_db *db = NULL;
    sltd_stats st = SLTD_STATS_INIT;
    sltd_import_report rep = SLTD_IMPORT_REPORT_INIT;
    int rc;

    tu_at(dir, "db");
    tu_at(feed, "feed.csv");
    ck_assert_int_eq(ru_open(&db, dir, key, SLTD_OPEN_CREATE, 1 << 20), 0);
    ck_assert_int_eq(tu_feed(feed, SA, 0, 200000), 0);
    rc = sltd_db_import_feed(&rep, db, feed, 0);
    ck_assert_msg(rc == 0, "import into a 1 MiB map: %s (%s)", sltd_error_text(rc), sltd_error_detail());
    ck_assert_uint_eq(rep.added, 200000);
    ck_assert_int_eq(sltd_db_stats_get(&st, db), 0);
    ck_assert_uint_gt(st.map_size, (uint64_t)1 << 20);
    ck_assert_uint_gt(st.map_size, st.data_bytes);
    ck_assert_int_eq(sltd_db_verify(NULL, db), 0);
    sltd_db_close(db);
    /* and it reopens with the small size asked for again: LMDB keeps the larger one */
    ck_assert_int_eq(ru_open(&db, dir, key, SLTD_OPEN_READONLY, 1 << 20), 0);
    ck_assert_int_eq(sltd_db_stats_get(&st, db), 0);
    ck_assert_uint_eq(st.records, 200000);
    sltd_db_close(db);
    fprintf(stderr, "disk: 200,000 records imported into a database opened with a 1 MiB map (now %llu bytes)\n",
            (unsigned long long)st.map_size);
}
END_TEST

typedef struct shared {
    _Atomic int stop;
    _Atomic long checks, false_neg, errors;
} shared;

static void reader(shared *sh, const char *dir, unsigned long n)
{
    sltd_db *db = NULL;
    char num[16];
    sltd_result r = SLTD_RESULT_INIT;
    unsigned long i = 0;

    if (ru_open(&db, dir, key, SLTD_OPEN_READONLY, 0) != 0)
        _exit(2);
    while (!atomic_load(&sh->stop)) {
        tu_number(num, SA, i++ % n);
        if (sltd_db_lookup(&r, db, "UTO", num, NULL) != 0)
            atomic_fetch_add(&sh->errors, 1);
        else if (!r.listed)
            atomic_fetch_add(&sh->false_neg, 1);
        atomic_fetch_add(&sh->checks, 1);
    }
    sltd_db_close(db);
    _exit(0);
}

/* Import in a child; its sltd code (negative), 0, or 1000 + signal. */
static int import_in_child(const char *dir, const char *feed)
{
    pid_t pid = fork();
    int st;

    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        sltd_db *db = NULL;
        int rc = ru_open(&db, dir, key, 0, 0);
        if (rc == 0)
            rc = sltd_db_import_feed(NULL, db, feed, 0);
        if (rc != 0)
            fprintf(stderr, "disk: import: %s (%s)\n", sltd_error_text(rc), sltd_error_detail());
        sltd_db_close(db);
        _exit(-rc);
    }
    st = ru_wait(pid);
    return st >= 1000 ? st : -st;
}

static long free_bytes(const char *dir)
{
    struct statvfs v;

    ck_assert_int_eq(statvfs(dir, &v), 0);
    return (long)(v.f_bavail * v.f_frsize);
}

/* Fill the file system of dir, leaving about `leave` bytes free. */
static void ballast(const char *path, long leave)
{
    static char zero[65536];
    long left;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    char dir[4096];

    ck_assert_int_ge(fd, 0);
    snprintf(dir, sizeof dir, "%s", path);
    *strrchr(dir, '/') = '\0';
    left = free_bytes(dir) - leave;
    while (left > 0) {
        ssize_t w = write(fd, zero, left < (long)sizeof zero ? (size_t)left : sizeof zero);
        if (w <= 0)
            break;
        left -= w;
    }
    close(fd);
}

START_TEST(full_disk_tmpfs)
{
    /* case 0: a feed small enough to need no filter rebuild, so LMDB's commit meets the full disk;
     * cases 1-3: a filter rebuild (80,000 documents > 65,536) with less and less room */
    static const long leave[] = { 1 << 20, 1 << 20, 64 << 10, 8 << 10 };
    char mnt[4096], dir[4096], feed[4096], small[4096], bal[4096], who[4400];
    sltd_db *db = NULL;
    ru_state before, after;
    shared *sh;
    pid_t rd;
    int i, rc, codes[4];

    tu_at(mnt, "mnt");
    ck_assert_int_eq(mkdir(mnt, 0755), 0);
    /* in a mount namespace of this test process: the tmpfs goes away with it, even on a failure */
    if (unshare(CLONE_NEWNS) != 0 || mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) != 0 ||
        mount("tmpfs", mnt, "tmpfs", 0, "size=16m") != 0) {
        fprintf(stderr, "disk: SKIPPED the full-disk test: cannot mount a tmpfs here (%s); run as root where "
                        "mount(2) is allowed\n", strerror(errno));
        return;
    }
    tu_path(dir, sizeof dir, mnt, "db");
    tu_path(bal, sizeof bal, mnt, "ballast");
    tu_at(feed, "a.csv");
    ck_assert_int_eq(ru_open(&db, dir, key, SLTD_OPEN_CREATE, 0), 0);
    ck_assert_int_eq(tu_feed(feed, SA, 0, 20000), 0);
    ck_assert_int_eq(sltd_db_import_feed(NULL, db, feed, 0), 0);
    ck_assert_int_eq(ru_state_get(&before, db), 0);
    sltd_db_close(db);
    tu_at(feed, "b.csv");
    ck_assert_int_eq(tu_feed(feed, SB, 0, 60000), 0); /* ~3 MB of data, and a filter rebuild (80k > 65,536) */
    tu_at(small, "small.csv");
    ck_assert_int_eq(tu_feed(small, SB, 0, 40000), 0); /* ~2 MB, no rebuild (60k < 65,536) */

    sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    ck_assert_ptr_ne(sh, MAP_FAILED);
    memset(sh, 0, sizeof *sh);
    rd = fork();
    ck_assert_int_ge(rd, 0);
    if (rd == 0)
        reader(sh, dir, 20000);
    reader_pid = rd;
    for (i = 0; i < 4; i++) {
        ballast(bal, leave[i]);
        rc = import_in_child(dir, i == 0 ? small : feed);
        unlink(bal);
        fprintf(stderr, "disk: import of %s records with %ld KiB free: %s\n", i == 0 ? "40,000" : "60,000", leave[i] >> 10,
                rc >= 1000 ? strsignal(rc - 1000) : sltd_error_text(rc));
        codes[i] = rc; /* judged at the end, once everything else has been checked */
        ck_assert_int_eq(ru_open(&db, dir, key, 0, 0), 0);
        ck_assert_int_eq(sltd_db_verify(NULL, db), 0);
        ck_assert_int_eq(ru_state_get(&after, db), 0);
        ck_assert_msg(ru_state_eq(&before, &after), "a failed import changed the data");
        sltd_db_close(db);
    }
    /* room again: the same import succeeds */
    rc = import_in_child(dir, feed);
    ck_assert_msg(rc == 0, "retry after making room: %s", rc >= 1000 ? strsignal(rc - 1000) : sltd_error_text(rc));
    atomic_store(&sh->stop, 1);
    ck_assert_int_eq(ru_wait(rd), 0);
    reader_pid = 0;
    fprintf(stderr, "disk: a reader made %ld checks meanwhile: %ld false negatives, %ld errors\n",
            atomic_load(&sh->checks), atomic_load(&sh->false_neg), atomic_load(&sh->errors));
    ck_assert_int_eq(atomic_load(&sh->false_neg), 0);
    ck_assert_int_eq(atomic_load(&sh->errors), 0);
    ck_assert_int_gt(atomic_load(&sh->checks), 0);
    ck_assert_int_eq(ru_open(&db, dir, key, 0, 0), 0);
    ck_assert_int_eq(sltd_db_verify(NULL, db), 0);
    ck_assert_int_eq(ru_state_get(&after, db), 0);
    ck_assert_uint_eq(after.records, 80000);
    sltd_db_close(db);
    (void)who;
    munmap(sh, sizeof *sh);
    ck_assert_int_eq(umount2(mnt, MNT_DETACH), 0);
    /* Regressions (fixed in 0b277b6): a full disk met by LMDB's commit was SLTD_EIO (LMDB 0.9 turns the
     * short pwrite into EIO); with little room the importer died of SIGBUS (the rebuilt filter was a
     * sparse file written through a shared mapping). */
    for (i = 0; i < 4; i++)
        ck_assert_msg(codes[i] == SLTD_EFULL, "with %ld KiB free the import ended with %s, not SLTD_EFULL",
                      leave[i] >> 10, codes[i] >= 1000 ? strsignal(codes[i] - 1000) : sltd_error_text(codes[i]));
}
END_TEST

int main(void)
{
    const TTest *const tests[] = {
        small_map_grows, full_disk_tmpfs
    };

    return tu_main("disk", 300, setup, teardown, tests, TU_COUNT(tests));
}
