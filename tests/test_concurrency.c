/* SPDX-License-Identifier: Apache-2.0 */
/* test_concurrency.c — invariant 1 across threads and processes: lookups from several threads in this
 * process and from a second reader process, while a writer process imports more batches (enough to
 * make the filter outgrow its capacity and be rebuilt under the readers' feet). Every document
 * committed before a lookup began must be found. */
#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sltd.h"
#include "testutil.h"

enum { SERIES = 20, FIRST = 4000, BATCH = 8000, BATCHES = 10, THREADS = 3 };
/* A tiny initial map: the writer must grow it several times under the readers (who then see
 * LMDB's MDB_MAP_RESIZED and adopt the new size). */
#define MAP_SIZE ((size_t)1 << 20)

typedef struct shared {
    _Atomic int committed;  /* last batch whose import returned (batch 0: the initial data); readers
                               also learn of commits from the database itself, earlier */
    _Atomic int done;
    _Atomic long checks;
    _Atomic long misses;    /* false negatives: must stay 0 */
    _Atomic long errors;
    char first_miss[64];
} shared;

static shared *sh;
static char *tmp;
static char dbdir[4096];

static unsigned long batch_end(int b)
{
    return FIRST + (unsigned long)b * BATCH;
}

static void reader_loop(sltd_db *db, uint64_t seed)
{
    char num[16];
    sltd_query q[64];
    sltd_result res[64];
    char nums[64][16];
    int i;

    while (!atomic_load(&sh->done)) {
        int c = atomic_load(&sh->committed);
        unsigned long n, k;
        sltd_result r;
        sltd_stats st;
        /* What LMDB has committed (its meta, read in a transaction) is the truth: a batch counts from
         * the instant its transaction commits, not from when the writer's call returns. */
        if (sltd_stats_get(&st, db) != 0) {
            atomic_fetch_add(&sh->errors, 1);
            continue;
        }
        while (c < BATCHES && batch_end(c + 1) <= st.documents)
            c++;
        n = batch_end(c);
        /* single lookups, biased to the newest batch */
        for (i = 0; i < 200; i++) {
            k = i % 2 ? tu_rand(&seed) % n : n - 1 - tu_rand(&seed) % (n < BATCH ? n : BATCH);
            tu_number(num, SERIES, k);
            if (sltd_lookup(&r, db, "UTO", num, NULL) != 0) {
                atomic_fetch_add(&sh->errors, 1);
                continue;
            }
            atomic_fetch_add(&sh->checks, 1);
            if (!r.listed && atomic_fetch_add(&sh->misses, 1) == 0)
                snprintf(sh->first_miss, sizeof sh->first_miss, "%.15s (committed batch %d)", num, c);
        }
        /* and a batch */
        for (i = 0; i < 64; i++) {
            tu_number(nums[i], SERIES, tu_rand(&seed) % n);
            q[i].state = "UTO";
            q[i].number = nums[i];
            q[i].type = NULL;
        }
        if (sltd_lookup_batch(res, db, q, 64) != 0) {
            atomic_fetch_add(&sh->errors, 1);
            continue;
        }
        for (i = 0; i < 64; i++) {
            atomic_fetch_add(&sh->checks, 1);
            if (res[i].error != 0)
                atomic_fetch_add(&sh->errors, 1);
            else if (!res[i].listed && atomic_fetch_add(&sh->misses, 1) == 0)
                snprintf(sh->first_miss, sizeof sh->first_miss, "%.15s (batch, committed %d)", nums[i], c);
        }
    }
}

static void *reader_thread(void *arg)
{
    reader_loop(arg, (uint64_t)(uintptr_t)&arg);
    return NULL;
}

static int writer_process(void)
{
    sltd_options o = SLTD_OPTIONS_INIT;
    sltd_db *db = NULL;
    char feed[4096];
    int b;

    o.map_size = MAP_SIZE;
    if (sltd_open(&db, dbdir, &o) != 0)
        return 1;
    for (b = 1; b <= BATCHES; b++) {
        snprintf(feed, sizeof feed, "%s/batch%d.csv", tmp, b);
        if (tu_feed(feed, SERIES, batch_end(b - 1), batch_end(b)) != 0 || sltd_import_feed(NULL, db, feed, 0) != 0) {
            fprintf(stderr, "writer: batch %d: %s\n", b, sltd_errmsg(db));
            sltd_close(db);
            return 1;
        }
        atomic_store(&sh->committed, b);
    }
    sltd_close(db);
    return 0;
}

START_TEST(readers_during_imports)
{
    sltd_options o = SLTD_OPTIONS_INIT;
    sltd_db *db = NULL;
    char feed[4096], num[16];
    pthread_t th[THREADS];
    pid_t writer, reader;
    int status, i;
    unsigned long k;

    sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    ck_assert_ptr_ne(sh, MAP_FAILED);
    memset(sh, 0, sizeof *sh);
    tmp = tu_mkdtemp("conc");
    ck_assert_ptr_nonnull(tmp);
    snprintf(dbdir, sizeof dbdir, "%s/db", tmp);
    snprintf(feed, sizeof feed, "%s/batch0.csv", tmp);
    o.flags = SLTD_OPEN_CREATE;
    o.map_size = MAP_SIZE;
    ck_assert_int_eq(sltd_open(&db, dbdir, &o), 0);
    ck_assert_int_eq(tu_feed(feed, SERIES, 0, FIRST), 0);
    ck_assert_int_eq(sltd_import_feed(NULL, db, feed, 0), 0);
    sltd_close(db);

    /* processes first (no threads yet), each with its own handle */
    reader = fork();
    ck_assert_int_ge(reader, 0);
    if (reader == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive a test that crashed */
        sltd_db *rdb = NULL;
        sltd_options ro = SLTD_OPTIONS_INIT;
        ro.flags = SLTD_OPEN_READONLY;
        ro.map_size = MAP_SIZE;
        if (sltd_open(&rdb, dbdir, &ro) != 0)
            _exit(2);
        reader_loop(rdb, 12345);
        sltd_close(rdb);
        _exit(0);
    }
    writer = fork();
    ck_assert_int_ge(writer, 0);
    if (writer == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        _exit(writer_process());
    }

    o.flags = 0;
    ck_assert_int_eq(sltd_open(&db, dbdir, &o), 0);
    for (i = 0; i < THREADS; i++)
        ck_assert_int_eq(pthread_create(&th[i], NULL, reader_thread, db), 0);
    ck_assert_int_eq(waitpid(writer, &status, 0), writer);
    /* let the readers look at the final state a little */
    usleep(200000);
    atomic_store(&sh->done, 1);
    for (i = 0; i < THREADS; i++)
        pthread_join(th[i], NULL);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "writer failed");
    ck_assert_int_eq(waitpid(reader, &status, 0), reader);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "reader process failed");
    fprintf(stderr, "concurrency: %ld checks, %ld false negatives, %ld errors\n", atomic_load(&sh->checks),
            atomic_load(&sh->misses), atomic_load(&sh->errors));
    ck_assert_msg(atomic_load(&sh->misses) == 0, "false negative: %s", sh->first_miss);
    ck_assert_int_eq(atomic_load(&sh->errors), 0);
    ck_assert_int_gt(atomic_load(&sh->checks), 10000);
    {
        sltd_stats st;
        ck_assert_int_eq(sltd_stats_get(&st, db), 0);
        fprintf(stderr, "concurrency: map grew from %zu to %llu bytes\n", MAP_SIZE, (unsigned long long)st.map_size);
        ck_assert_uint_gt(st.map_size, MAP_SIZE);
    }
    /* and afterwards, everything */
    for (k = 0; k < batch_end(BATCHES); k++) {
        sltd_result r;
        tu_number(num, SERIES, k);
        ck_assert_int_eq(sltd_lookup(&r, db, "UTO", num, NULL), 0);
        ck_assert_msg(r.listed, "false negative after the imports: %s", num);
    }
    sltd_close(db);
    tu_rmtree(tmp);
    free(tmp);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("concurrency");
    TCase *tc = tcase_create("processes");

    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, readers_during_imports);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
