/* SPDX-License-Identifier: Apache-2.0 */
/* test_snapshot.c — a batch lookup answers from one committed state, even when another process commits
 * an update in the middle of the call. The commit is placed deterministically: this program interposes
 * LMDB's read-transaction start (mdb_txn_begin / mdb_txn_renew; the library links LMDB as a shared
 * library), and while armed, each read transaction the library starts first has a writer process
 * commit the next delta. Regression: the batch probed the shared filter BEFORE it began its LMDB
 * snapshot (and began one snapshot per chunk of 64), so a delta that committed in between showed its
 * removals without its additions: documents listed in the snapshot were answered "not listed".
 *
 * And a read transaction holds the snapshot of the commit whose id it took: LMDB 0.9 reads the last
 * published id, then copies that commit's meta page; a reader delayed in between while one commit
 * lands and the next writes its meta page copies the newer, unpublished commit under the older id. The
 * interposer recreates that delay exactly, by moving the published id in the lock file around the
 * transaction start. Regression: such a lookup answered from the unpublished commit and the next one
 * from the commit before it (seen in the stress test as a sequence going back by one). */
#include <check.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sltd.h"
#include "testutil.h"

/* Generation g lists the documents [g*STEP, g*STEP + WIDTH); the delta to g removes STEP and adds STEP. */
enum { SERIES = 31, STEP = 500, WIDTH = 1000, GENS = 6 };

/* ---- LMDB's read-transaction start, interposed (declared here: tests do not include lmdb.h) ---- */

typedef struct MDB_env MDB_env;
typedef struct MDB_txn MDB_txn;
int mdb_txn_begin(MDB_env *env, MDB_txn *parent, unsigned int flags, MDB_txn **txn);
int mdb_txn_renew(MDB_txn *txn);

#define MDB_RDONLY_FLAG 0x20000 /* lmdb.h's MDB_RDONLY */

static int armed;          /* commits still to make, one per transaction start */
static int delay_armed;    /* the next read transaction start is "delayed" (delayed_start) */
static int lock_fd = -1;   /* the environment's lock file, and where its published commit id lies */
static off_t published_at = -1;
static int commits;        /* commits made while armed */
static int hook_failed;    /* the writer did not commit */
static int to_writer = -1, from_writer = -1;

/* Have the writer process commit its next delta, and wait until it has. */
static void commit_now(void)
{
    char c = 'c';

    if (armed <= 0)
        return;
    armed--;
    if (write(to_writer, &c, 1) != 1 || read(from_writer, &c, 1) != 1 || c != 'k')
        hook_failed = 1;
    else
        commits++;
}

static uint64_t published_id(void)
{
    uint64_t v = 0;

    ck_assert_int_eq(pread(lock_fd, &v, sizeof v, published_at), (ssize_t)sizeof v);
    return v;
}

static void publish_id(uint64_t v)
{
    ck_assert_int_eq(pwrite(lock_fd, &v, sizeof v, published_at), (ssize_t)sizeof v);
}

/* With the last commit T written and published: a reader that read the published id when it was T - 2
 * and copies a meta page only once T - 1 is published and T has written its meta page — the page T - 2
 * had. (T itself is left unpublished: as if its writer were still between the two.) */
static int delayed_start(int (*start)(void *), void *arg)
{
    const uint64_t last = published_id();
    int rc;

    delay_armed = 0;
    publish_id(last - 2);
    rc = start(arg);
    publish_id(last - 1);
    return rc;
}

typedef struct begin_args {
    int (*real)(MDB_env *, MDB_txn *, unsigned int, MDB_txn **);
    MDB_env *env;
    MDB_txn *parent;
    unsigned flags;
    MDB_txn **txn;
} begin_args;

static int begin_start(void *p)
{
    begin_args *a = p;
    return a->real(a->env, a->parent, a->flags, a->txn);
}

static int renew_start(void *p)
{
    int (*real)(MDB_txn *) = (int (*)(MDB_txn *))dlsym(RTLD_NEXT, "mdb_txn_renew");
    return real(p);
}

int mdb_txn_begin(MDB_env *env, MDB_txn *parent, unsigned int flags, MDB_txn **txn)
{
    begin_args a = { (int (*)(MDB_env *, MDB_txn *, unsigned int, MDB_txn **))dlsym(RTLD_NEXT, "mdb_txn_begin"),
                     env, parent, flags, txn };

    commit_now();
    return delay_armed && (flags & MDB_RDONLY_FLAG) ? delayed_start(begin_start, &a) : begin_start(&a);
}

int mdb_txn_renew(MDB_txn *txn)
{
    commit_now();
    return delay_armed ? delayed_start(renew_start, txn) : renew_start(txn);
}

/* ---- the database and its writer ---- */

static char dbdir[4096], keyfile[4096];

/* The feed that takes generation g-1 to g: removes [(g-1)*STEP, g*STEP), adds [(g-1)*STEP + WIDTH,
 * g*STEP + WIDTH); generation 0 adds [0, WIDTH). */
static void write_feed(const char *path, unsigned g)
{
    FILE *f = fopen(path, "w");
    const unsigned long lo = g > 0 ? (g - 1) * (unsigned long)STEP : 0, hi = g * (unsigned long)STEP + WIDTH;
    char num[16];
    unsigned long i;

    ck_assert_ptr_nonnull(f);
    fputs("state,number,status,action\n", f);
    for (i = lo; i < hi; i++) {
        const int removed = g > 0 && i < g * (unsigned long)STEP, added = g == 0 || i >= lo + WIDTH;
        if (!removed && !added)
            continue; /* listed before and after */
        tu_number(num, SERIES, i);
        fprintf(f, "UTO,%s,stolen,%s\n", num, removed ? "remove" : "add");
    }
    ck_assert_int_eq(fclose(f), 0);
}

static sltd_db *open_db(unsigned flags)
{
    sltd_options o = SLTD_OPTIONS_INIT;
    sltd_db *db = NULL;
    int rc;

    o.flags = flags;
    o.key_path = keyfile;
    rc = sltd_db_open(&db, dbdir, &o);
    ck_assert_msg(rc == 0, "open %s: %s", dbdir, sltd_error_text(rc));
    return db;
}

/* The writer process: on each request, import the next generation's delta and answer 'k' (or 'e'). */
static void writer(int in, int out, const char *dir)
{
    sltd_options o = SLTD_OPTIONS_INIT;
    sltd_db *db = NULL;
    char feed[4096], c;
    unsigned g;

    prctl(PR_SET_PDEATHSIG, SIGKILL);
    o.key_path = keyfile;
    if (sltd_db_open(&db, dbdir, &o) != 0)
        _exit(2);
    for (g = 1; read(in, &c, 1) == 1; g++) {
        snprintf(feed, sizeof feed, "%s/gen%u.csv", dir, g);
        c = g <= GENS && sltd_db_import_feed(NULL, db, feed, 0) == 0 ? 'k' : 'e';
        if (write(out, &c, 1) != 1)
            break;
    }
    sltd_db_close(db);
    _exit(0);
}

static char *dir;
static pid_t writer_pid = -1;

static void setup(void)
{
    char feed[4096];
    int down[2], up[2];
    sltd_db *db;
    unsigned g;

    dir = tu_scratch("snapshot");
    tu_path(dbdir, sizeof dbdir, dir, "db");
    tu_path(keyfile, sizeof keyfile, dir, "db.key");
    for (g = 0; g <= GENS; g++) {
        snprintf(feed, sizeof feed, "%s/gen%u.csv", dir, g);
        write_feed(feed, g);
    }
    db = open_db(SLTD_OPEN_CREATE);
    tu_path(feed, sizeof feed, dir, "gen0.csv");
    ck_assert_int_eq(sltd_db_import_feed(NULL, db, feed, 0), 0);
    sltd_db_close(db);
    ck_assert_int_eq(pipe(down), 0);
    ck_assert_int_eq(pipe(up), 0);
    writer_pid = fork();
    ck_assert_int_ge(writer_pid, 0);
    if (writer_pid == 0) {
        close(down[1]);
        close(up[0]);
        writer(down[0], up[1], dir);
    }
    close(down[0]);
    close(up[1]);
    to_writer = down[1];
    from_writer = up[0];
    armed = commits = hook_failed = 0;
}

static void teardown(void)
{
    int status;

    close(to_writer);
    close(from_writer);
    if (writer_pid > 0)
        waitpid(writer_pid, &status, 0);
    writer_pid = -1;
    tu_scratch_end();
}

/* sltd_result as the 0.1 header declared it (version 1: no verdict), for a caller built against it. */
typedef tu_result_v1 old_result;

static sltd_result res[256];
static old_result old[256];
static int use_old; /* the batch's caller uses the older layout (its array has the older stride) */

#define LISTED(i) (use_old ? old[i].listed : res[i].listed)
#define ERROR(i) (use_old ? old[i].error : res[i].error)

static int batch(sltd_db *db, const sltd_query *q, unsigned n)
{
    return sltd_db_lookup_batch(use_old ? (sltd_result *)(void *)old : res, db, q, n);
}

/* Look up n documents spread over [0, (GENS+2)*STEP) in one batch while the writer commits up to
 * `deltas` deltas, one at each read transaction the call starts; the answer must be exactly one
 * generation's window, and a later batch (nothing armed) must see the last generation committed. */
static void one_state(unsigned n, int deltas)
{
    sltd_query q[256];
    char nums[256][16];
    sltd_db *db = open_db(SLTD_OPEN_READONLY);
    unsigned long span = (GENS + 2) * (unsigned long)STEP, at;
    unsigned i, gen, round;

    ck_assert_uint_le(n, 256);
    for (i = 0; i < 256; i++) {
        res[i].version = SLTD_RESULT_VERSION; /* the layout this test was built with */
        old[i].version = 1;
    }
    for (i = 0; i < n; i++) {
        tu_number(nums[i], SERIES, i * span / n);
        q[i].state = "UTO";
        q[i].number = nums[i];
        q[i].type = NULL;
    }
    for (round = 0; round < 2; round++) {
        /* round 0: nothing armed (the handle's caches warm up); round 1: commits inside the call */
        armed = round == 1 ? deltas : 0;
        ck_assert_int_eq(batch(db, q, n), 0);
        armed = 0;
        ck_assert_msg(!hook_failed, "the writer process did not commit");
        gen = round == 0 ? 0 : (unsigned)commits; /* the newest generation the batch may show */
        /* the window it shows: the generation of the first listed document's window that contains it */
        for (i = 0; i < n && !LISTED(i); i++)
            ck_assert_int_eq(ERROR(i), 0);
        ck_assert_msg(i < n, "round %u: nothing listed at all", round);
        at = i * span / n;
        while (gen > 0 && at < gen * (unsigned long)STEP)
            gen--;
        for (i = 0; i < n; i++) {
            at = i * span / n;
            ck_assert_int_eq(ERROR(i), 0);
            ck_assert_msg(LISTED(i) == (at >= gen * STEP && at < gen * STEP + WIDTH),
                          "round %u, %u commit(s) inside the batch of %u: document %lu answered %s, but the "
                          "window the batch shows is generation %u's [%u, %u): a mix of two states",
                          round, commits, n, at, LISTED(i) ? "listed" : "not listed", gen, gen * STEP,
                          gen * STEP + WIDTH);
        }
    }
    ck_assert_msg(commits >= 1, "no commit landed inside the batch: the test proved nothing");
    /* after the call, the last commit is what everyone sees */
    ck_assert_int_eq(batch(db, q, n), 0);
    for (i = 0; i < n; i++) {
        at = i * span / n;
        ck_assert_int_eq(LISTED(i), at >= commits * (unsigned long)STEP && at < commits * (unsigned long)STEP + WIDTH);
    }
    sltd_db_close(db);
}

/* One chunk (40 documents): a delta committed between the filter probes and the LMDB snapshot. */
START_TEST(batch_of_one_chunk_sees_one_state)
{
    one_state(40, 1);
}
END_TEST

/* Several chunks (200 documents, chunks of 64): a delta committed at each transaction start. */
START_TEST(batch_of_chunks_sees_one_state)
{
    use_old = 0;
    one_state(200, 4);
}
END_TEST

/* The same for a caller built against the 0.1 header (its results have the older layout and stride).
 * Regression: such a batch was answered chunk by chunk, one snapshot per 64 documents. */
START_TEST(older_layout_batch_sees_one_state)
{
    use_old = 1;
    one_state(200, 4);
    use_old = 0;
}
END_TEST

/* Have the writer process commit its next generation now. */
static void commit_next(void)
{
    armed = 1;
    commit_now();
    ck_assert_msg(!hook_failed && armed == 0, "the writer process did not commit");
}

/* The lock file's first 256 bytes, as 8-byte words. */
static void lock_words(uint64_t w[32])
{
    ck_assert_int_eq(pread(lock_fd, w, 32 * sizeof *w, 0), (ssize_t)(32 * sizeof *w));
}

/* Whether `late` (listed from generation 2 on) and `early` (listed up to generation 1) are listed, by
 * two single lookups or by one batch. */
static void answer_two(sltd_db *db, int in_batch, int *late, int *early)
{
    char num[2][16];
    sltd_query q[2];
    sltd_result r[2];
    int i;

    tu_number(num[0], SERIES, 3 * STEP + STEP / 2); /* generation 2's window, not generation 1's */
    tu_number(num[1], SERIES, STEP + STEP / 2);     /* generations 0 and 1, not 2 */
    for (i = 0; i < 2; i++) {
        q[i].state = "UTO";
        q[i].number = num[i];
        q[i].type = NULL;
        r[i].version = SLTD_RESULT_VERSION;
        if (!in_batch)
            ck_assert_int_eq(sltd_db_lookup(&r[i], db, q[i].state, q[i].number, NULL), 0);
    }
    if (in_batch)
        ck_assert_int_eq(sltd_db_lookup_batch(r, db, q, 2), 0);
    *late = r[0].listed;
    *early = r[1].listed;
}

/* A lookup that begins its snapshot "delayed" (delayed_start) answers from the published commit, not
 * from the newer one whose meta page it found: the same as every lookup after it, until that newer
 * commit is published. */
START_TEST(snapshot_is_of_its_own_commit)
{
    uint64_t w[3][32], last;
    char lockpath[4096];
    sltd_db *db;
    int i, in_batch, late, early;

    tu_path(lockpath, sizeof lockpath, dbdir, "lock.mdb");
    lock_fd = open(lockpath, O_RDWR);
    ck_assert_int_ge(lock_fd, 0);
    db = open_db(SLTD_OPEN_READONLY);
    /* the published id: the one word that each of two commits moves up by one */
    lock_words(w[0]);
    commit_next();
    lock_words(w[1]);
    commit_next();
    lock_words(w[2]);
    for (i = 1; i < 32; i++)
        if (w[1][i] == w[0][i] + 1 && w[2][i] == w[1][i] + 1) {
            ck_assert_msg(published_at < 0, "two words of the lock file count commits");
            published_at = (off_t)i * 8;
        }
    ck_assert_msg(published_at >= 0, "no word of the lock file counts commits: not LMDB 0.9's lock file");
    last = published_id();
    for (in_batch = 0; in_batch < 2; in_batch++) {
        delay_armed = 1;
        answer_two(db, in_batch, &late, &early);
        ck_assert_msg(!delay_armed, "no read transaction began: the test proved nothing");
        ck_assert_msg(!late && early,
                      "%s: a delayed snapshot answered from generation 2, whose commit is not published (late "
                      "listed %d, early listed %d)",
                      in_batch ? "batch" : "lookup", late, early);
        answer_two(db, in_batch, &late, &early); /* the published commit: generation 1 */
        ck_assert(!late && early);
        publish_id(last);
        answer_two(db, in_batch, &late, &early); /* generation 2, published now */
        ck_assert_msg(late && !early, "%s: generation 2 not seen once published", in_batch ? "batch" : "lookup");
    }
    sltd_db_close(db);
    close(lock_fd);
    lock_fd = -1;
    published_at = -1;
}
END_TEST

int main(void)
{
    const TTest *const tests[] = { batch_of_one_chunk_sees_one_state, batch_of_chunks_sees_one_state,
                                   older_layout_batch_sees_one_state, snapshot_is_of_its_own_commit };

    return tu_main("snapshot", 60, setup, teardown, tests, TU_COUNT(tests));
}
