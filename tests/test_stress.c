/* SPDX-License-Identifier: Apache-2.0 */
/* test_stress.c — invariants 1 and 5 under load: 8 reader threads in 2 processes (4 each) while the
 * writer applies 1,000 signed delta bundles that add and remove documents and re-list a set of
 * documents with a new generation each time.
 *
 * Each reader brackets its lookups between two reads of the committed sequence (s1 before, s2 after,
 * from LMDB through sltd_db_stats_get) and checks:
 *  - no false negative: a document added at a sequence <= s1 and not removed before s2 is listed;
 *  - no stale or early read: a document removed at or before s1, or added after s2, is not listed;
 *  - no torn record: the two listings (types P and I) of a re-listed document carry one generation,
 *    and it lies in [s1, s2];
 *  - no mixed batch: the 16 re-listed documents, looked up in one batch (one read transaction),
 *    all carry the same generation;
 *  - the sequence an answer reports never goes backwards in a thread, nor the committed sequence it
 *    reads (s1 of a round is at least s2 of the round before);
 *  - no error at all (in particular no SLTD_EREADERS).
 * Then reader processes holding read slots are killed with SIGKILL, again and again, with a small
 * max_readers, while another process keeps the environment open: their slots must be reclaimed (open
 * runs mdb_reader_check), so later readers still get in.
 *
 * CI: 1,000 deltas. SLTD_SOAK=1: 10,000. */
#include <check.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "relutil.h"
#include "sltd.h"
#include "testutil.h"

enum { SP = 61, SR = 62, SD = 63, NP = 2000, NR = 16, PER = 4, KEEP = 5, PROCS = 2, THREADS = 4 };

typedef struct shared {
    _Atomic int done;
    _Atomic long rounds, lookups;
    _Atomic long false_neg, stale, torn, mixed, backwards, errors, ereaders;
    char first[256];
} shared;

static shared *sh;
static char dbdir[4096], key[4096], sec[4096], pub[4096];
static const char *trusted[1];
static long updates;


static void note(_Atomic long *counter, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(_Atomic long *counter, const char *fmt, ...)
{
    va_list ap;

    if (atomic_fetch_add(counter, 1) == 0 && sh->first[0] == '\0') {
        va_start(ap, fmt);
        vsnprintf(sh->first, sizeof sh->first, fmt, ap);
        va_end(ap);
    }
}

/* Update u (1-based) is the bundle of sequence u + 1: it adds D[(u-1)*PER, u*PER) and removes the
 * documents added by update u - KEEP; it re-lists R with generation u + 1. The full bundle of
 * sequence 1 holds P and R (generation 1). */
static int added_seq(unsigned long j)
{
    return (int)(j / PER) + 2;
}

static void write_update(const char *path, long u)
{
    FILE *f = tu_feed_open(path, "state,number,type,reference,action\n");
    unsigned long j;
    int i;

    for (j = (unsigned long)(u - 1) * PER; j < (unsigned long)u * PER; j++)
        tu_feed_row(f, SD, j, "P,D%lu,add\n", j);
    if (u > KEEP)
        for (j = (unsigned long)(u - 1 - KEEP) * PER; j < (unsigned long)(u - KEEP) * PER; j++)
            tu_feed_row(f, SD, j, ",,remove\n");
    for (i = 0; i < NR; i++) {
        tu_feed_row(f, SR, (unsigned long)i, "P,G%ld,add\n", u + 1);
        tu_feed_row(f, SR, (unsigned long)i, "I,G%ld,add\n", u + 1);
    }
    tu_feed_close(f);
}

static long gen_of(const sltd_result *r)
{
    if (r->nrecords != 2 || r->records[0].reference[0] != 'G' ||
        strcmp(r->records[0].reference, r->records[1].reference) != 0)
        return -1;
    return strtol(r->records[0].reference + 1, NULL, 10);
}

static int seq_now(sltd_db *db, uint64_t *out)
{
    sltd_stats st = SLTD_STATS_INIT;
    int rc = sltd_db_stats_get(&st, db);

    if (rc != 0) {
        note(&sh->errors, "stats: %s", sltd_error_text(rc));
        if (rc == SLTD_EREADERS)
            atomic_fetch_add(&sh->ereaders, 1);
        return -1;
    }
    *out = st.sequence;
    return 0;
}

static void count_error(int rc, const char *what)
{
    if (rc == SLTD_EREADERS)
        atomic_fetch_add(&sh->ereaders, 1);
    note(&sh->errors, "%s: %s", what, sltd_error_text(rc));
}

static void reader_loop(sltd_db *db, uint64_t seed)
{
    char nums[24][16];
    sltd_result res[24], r = SLTD_RESULT_INIT;
    uint64_t s1, s2, last_seq = 0, last_s2 = 0;
    unsigned long j, hi;
    long g, g0;
    int i, rc, listed;

    while (!atomic_load(&sh->done)) {
        if (seq_now(db, &s1) != 0)
            continue;
        if (s1 < last_s2)
            note(&sh->backwards, "committed sequence %llu after %llu", (unsigned long long)s1,
                 (unsigned long long)last_s2);
        /* dynamic documents near the window, one by one */
        hi = (unsigned long)(s1 > 1 ? s1 - 1 : 0) * PER + 2 * PER;
        for (i = 0; i < 8; i++) {
            j = hi > (KEEP + 3) * PER ? hi - tu_rand(&seed) % ((KEEP + 3) * PER) : tu_rand(&seed) % (hi + 1);
            tu_number(nums[i], SD, j);
            rc = sltd_db_lookup(&r, db, "UTO", nums[i], NULL);
            if (rc != 0) {
                count_error(rc, "lookup");
                continue;
            }
            atomic_fetch_add(&sh->lookups, 1);
            if (r.data_sequence < last_seq)
                note(&sh->backwards, "data_sequence %llu after %llu", (unsigned long long)r.data_sequence,
                     (unsigned long long)last_seq);
            last_seq = r.data_sequence;
            res[i] = r;
        }
        /* re-listed documents: single lookups, then one batch */
        for (i = 0; i < 2; i++) {
            tu_number(nums[8 + i], SR, tu_rand(&seed) % NR);
            res[8 + i].version = SLTD_RESULT_VERSION;
            rc = sltd_db_lookup(&res[8 + i], db, "UTO", nums[8 + i], NULL);
            if (rc != 0)
                count_error(rc, "lookup R");
        }
        {
            char rn[NR][16];
            sltd_result rr[NR];
            sltd_query rq[NR];
            for (i = 0; i < NR; i++) {
                tu_number(rn[i], SR, (unsigned long)i);
                rq[i].state = "UTO";
                rq[i].number = rn[i];
                rq[i].type = NULL;
            }
            rr[0].version = SLTD_RESULT_VERSION;
            rc = sltd_db_lookup_batch(rr, db, rq, NR);
            if (rc != 0) {
                count_error(rc, "batch");
            } else {
                g0 = gen_of(&rr[0]);
                for (i = 0; i < NR; i++) {
                    atomic_fetch_add(&sh->lookups, 1);
                    g = gen_of(&rr[i]);
                    if (rr[i].error != 0 || !rr[i].listed)
                        note(&sh->false_neg, "batch: R%d error %d listed %d", i, rr[i].error, rr[i].listed);
                    else if (g < 0)
                        note(&sh->torn, "batch: R%d torn (%u records)", i, rr[i].nrecords);
                    else if (g != g0)
                        note(&sh->mixed, "batch: R0 generation %ld, R%d generation %ld", g0, i, g);
                }
            }
            /* the always-listed documents, in a batch */
            for (i = 0; i < NR; i++) {
                tu_number(rn[i], SP, tu_rand(&seed) % NP);
            }
            rr[0].version = SLTD_RESULT_VERSION;
            rc = sltd_db_lookup_batch(rr, db, rq, NR);
            if (rc != 0)
                count_error(rc, "batch P");
            else
                for (i = 0; i < NR; i++) {
                    atomic_fetch_add(&sh->lookups, 1);
                    if (!rr[i].listed)
                        note(&sh->false_neg, "batch: %s (always listed) not listed", rn[i]);
                }
        }
        if (seq_now(db, &s2) != 0)
            continue;
        if (s2 < s1)
            note(&sh->backwards, "committed sequence %llu after %llu", (unsigned long long)s2, (unsigned long long)s1);
        last_s2 = s2;
        /* judge the single lookups against [s1, s2] */
        for (i = 0; i < 8; i++) {
            unsigned long jj;
            long add, rm;
            sscanf(nums[i] + 2, "%lu", &jj);
            add = added_seq(jj);
            rm = add + KEEP;
            listed = res[i].listed;
            if (add <= (long)s1 && rm > (long)s2 && !listed)
                note(&sh->false_neg, "%s added at %ld, removed at %ld, not listed in [%llu, %llu]", nums[i], add, rm,
                     (unsigned long long)s1, (unsigned long long)s2);
            if ((rm <= (long)s1 || add > (long)s2) && listed)
                note(&sh->stale, "%s added at %ld, removed at %ld, listed in [%llu, %llu]", nums[i], add, rm,
                     (unsigned long long)s1, (unsigned long long)s2);
        }
        for (i = 8; i < 10; i++) {
            g = gen_of(&res[i]);
            if (!res[i].listed)
                note(&sh->false_neg, "%s (always listed) not listed", nums[i]);
            else if (g < 0)
                note(&sh->torn, "%s: torn record (%u records)", nums[i], res[i].nrecords);
            else if (g < (long)s1 || g > (long)s2)
                note(&sh->stale, "%s: generation %ld outside [%llu, %llu]", nums[i], g, (unsigned long long)s1,
                     (unsigned long long)s2);
        }
        atomic_fetch_add(&sh->rounds, 1);
    }
}

static void *reader_thread(void *arg)
{
    reader_loop(arg, (uint64_t)(uintptr_t)&arg ^ (uint64_t)getpid());
    return NULL;
}

/* A reader process: its own handle, THREADS threads. */
static int reader_process(void)
{
    pthread_t th[THREADS];
    sltd_db *db = NULL;
    int i;

    if (ru_open(&db, dbdir, key, SLTD_OPEN_READONLY, 0) != 0)
        return 2;
    for (i = 0; i < THREADS; i++)
        if (pthread_create(&th[i], NULL, reader_thread, db) != 0)
            return 3;
    for (i = 0; i < THREADS; i++)
        pthread_join(th[i], NULL);
    sltd_db_close(db);
    return 0;
}

static void setup(void)
{
    char feed[4096], b[4096];
    sltd_pack_options po = SLTD_PACK_OPTIONS_INIT;
    sltd_db *db = NULL;
    FILE *f;
    int i;

    sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    ck_assert_ptr_ne(sh, MAP_FAILED);
    memset(sh, 0, sizeof *sh);
    updates = ru_env_on("SLTD_SOAK") ? 10000 : 1000;
    tu_scratch("stress");
    tu_signing_keys(sec, pub, "auth");
    trusted[0] = pub;
    tu_at(key, "db.key");
    tu_at(dbdir, "db");
    tu_at(feed, "full.csv");
    f = tu_feed_open(feed, "state,number,type,reference\n");
    for (i = 0; i < NP; i++)
        tu_feed_row(f, SP, (unsigned long)i, "P,P%d\n", i);
    for (i = 0; i < NR; i++) {
        tu_feed_row(f, SR, (unsigned long)i, "P,G1\n");
        tu_feed_row(f, SR, (unsigned long)i, "I,G1\n");
    }
    tu_feed_close(f);
    po.key_path = key;
    po.sign_path = sec;
    po.sequence = 1;
    po.valid_days = 30;
    tu_at(b, "full.sltd");
    ck_assert_int_eq(ru_open(&db, dbdir, key, SLTD_OPEN_CREATE, 0), 0);
    ck_assert_int_eq(sltd_bundle_pack(NULL, NULL, feed, b, &po), 0);
    ck_assert_int_eq(sltd_bundle_apply(NULL, db, b, trusted, 1, 0), 0);
    sltd_db_close(db);
}

static void teardown(void)
{
    tu_scratch_end();
    munmap(sh, sizeof *sh);
}

START_TEST(readers_during_deltas)
{
    sltd_pack_options po = SLTD_PACK_OPTIONS_INIT;
    char feed[4096], b[4096];
    pid_t readers[PROCS];
    sltd_db *db = NULL;
    sltd_verify_report vr = SLTD_VERIFY_REPORT_INIT;
    ru_state st;
    double t0;
    long u;
    int i, rc;

    for (i = 0; i < PROCS; i++) {
        readers[i] = fork();
        ck_assert_int_ge(readers[i], 0);
        if (readers[i] == 0)
            _exit(reader_process());
    }
    ck_assert_int_eq(ru_open(&db, dbdir, key, 0, 0), 0);
    tu_at(feed, "delta.csv");
    tu_at(b, "delta.sltd");
    po.sign_path = sec;
    po.delta = 1;
    po.valid_days = 30;
    t0 = ru_now();
    for (u = 1; u <= updates; u++) {
        write_update(feed, u);
        po.sequence = (uint64_t)u + 1;
        po.base = (uint64_t)u;
        rc = sltd_bundle_pack(NULL, db, feed, b, &po);
        ck_assert_msg(rc == 0, "pack %ld: %s (%s)", u, sltd_error_text(rc), sltd_error_detail());
        rc = sltd_bundle_apply(NULL, db, b, trusted, 1, 0);
        ck_assert_msg(rc == 0, "apply %ld: %s (%s)", u, sltd_error_text(rc), sltd_error_detail());
    }
    t0 = ru_now() - t0;
    usleep(100000);
    atomic_store(&sh->done, 1);
    for (i = 0; i < PROCS; i++)
        ck_assert_msg(ru_wait(readers[i]) == 0, "reader process %d failed", i);
    ck_assert_int_eq(sltd_db_verify(&vr, db), 0);
    ck_assert_int_eq(ru_state_get(&st, db), 0);
    ck_assert_uint_eq(st.sequence, (uint64_t)updates + 1);
    ck_assert_uint_eq(st.documents, NP + NR + KEEP * PER);
    sltd_db_close(db);
    fprintf(stderr,
            "stress: %ld deltas in %.1f s (%.1f ms each, pack + apply) under %d reader threads in %d processes: "
            "%ld rounds, %ld lookups; false negatives %ld, stale/early %ld, torn %ld, mixed %ld, backwards %ld, "
            "errors %ld (EREADERS %ld)\n",
            updates, t0, 1000 * t0 / (double)updates, PROCS * THREADS, PROCS, atomic_load(&sh->rounds),
            atomic_load(&sh->lookups), atomic_load(&sh->false_neg), atomic_load(&sh->stale), atomic_load(&sh->torn),
            atomic_load(&sh->mixed), atomic_load(&sh->backwards), atomic_load(&sh->errors),
            atomic_load(&sh->ereaders));
    ck_assert_msg(atomic_load(&sh->false_neg) == 0, "false negative: %s", sh->first);
    ck_assert_msg(atomic_load(&sh->torn) == 0 && atomic_load(&sh->mixed) == 0, "torn/mixed: %s", sh->first);
    ck_assert_msg(atomic_load(&sh->stale) == 0, "stale: %s", sh->first);
    ck_assert_msg(atomic_load(&sh->backwards) == 0, "backwards: %s", sh->first);
    ck_assert_msg(atomic_load(&sh->errors) == 0, "errors: %s", sh->first);
    ck_assert_int_gt(atomic_load(&sh->rounds), 100);
}
END_TEST

/* ---- killed readers ---- */

enum { SMALL_READERS = 4, KILLS = 8 };

static void *spin_lookups(void *arg)
{
    sltd_db *db = arg;
    char num[16];
    sltd_result r = SLTD_RESULT_INIT;
    double end = ru_now() + 0.05;
    unsigned long i = 0;

    while (ru_now() < end) {
        tu_number(num, SP, i++ % NP);
        if (sltd_db_lookup(&r, db, "UTO", num, NULL) != 0 || !r.listed)
            return (void *)1;
    }
    return NULL;
}

/* Open with few reader slots, look up from 3 threads at once (each may hold a slot); then tell the
 * parent through fd and wait to be killed (or exit when fd is -1). */
static int slot_holder(int fd)
{
    pthread_t th[3];
    sltd_db *db = NULL;
    void *ret;
    int i, bad = 0, rc;

    rc = ru_open(&db, dbdir, key, SLTD_OPEN_READONLY, 0);
    if (rc != 0) {
        fprintf(stderr, "slot holder: open: %s (%s)\n", sltd_error_text(rc), sltd_error_detail());
        return rc == SLTD_EREADERS ? 4 : 2;
    }
    for (i = 0; i < 3; i++)
        pthread_create(&th[i], NULL, spin_lookups, db);
    for (i = 0; i < 3; i++) {
        pthread_join(th[i], &ret);
        bad |= ret != NULL;
    }
    if (fd >= 0) {
        (void)!write(fd, bad ? "x" : "k", 1);
        for (;;)
            pause();
    }
    sltd_db_close(db);
    return bad ? 5 : 0;
}

START_TEST(killed_readers_slots_reclaimed)
{
    sltd_options o = SLTD_OPTIONS_INIT;
    sltd_db *keeper = NULL;
    sltd_result r = SLTD_RESULT_INIT;
    char num[16], c;
    int k, p[2], st;
    pid_t pid;

    /* a fresh database whose lock file has SMALL_READERS slots */
    tu_rmtree(dbdir);
    o.flags = SLTD_OPEN_CREATE;
    o.key_path = key;
    o.max_readers = SMALL_READERS;
    ck_assert_int_eq(sltd_db_open(&keeper, dbdir, &o), 0);
    {
        char feed[4096];
        tu_at(feed, "p.csv");
        ck_assert_int_eq(tu_feed(feed, SP, 0, NP), 0);
        ck_assert_int_eq(sltd_db_import_feed(NULL, keeper, feed, 0), 0);
    }
    /* the keeper stays open throughout: the lock file is never re-initialised by a first opener, so
     * only mdb_reader_check can give dead readers' slots back */
    tu_number(num, SP, 1);
    for (k = 0; k < KILLS; k++) {
        ck_assert_int_eq(pipe(p), 0);
        pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
            close(p[0]);
            _exit(slot_holder(p[1]));
        }
        close(p[1]);
        if (read(p[0], &c, 1) != 1) {
            st = ru_wait(pid);
            ck_assert_msg(0, "reader %d could not start (exit %d: %s)", k, st,
                          st == 4 ? "readers full: dead readers' slots were not reclaimed" : "error");
        }
        close(p[0]);
        ck_assert_msg(c == 'k', "reader %d: wrong answers", k);
        kill(pid, SIGKILL);
        ck_assert_int_eq(ru_wait(pid), 1000 + SIGKILL);
        /* the keeper's own lookups still work */
        ck_assert_int_eq(sltd_db_lookup(&r, keeper, "UTO", num, NULL), 0);
        ck_assert(r.listed);
    }
    /* and a last reader, run to completion */
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0)
        _exit(slot_holder(-1));
    ck_assert_int_eq(ru_wait(pid), 0);
    /* the writer is not blocked either */
    {
        char feed[4096];
        tu_at(feed, "more.csv");
        ck_assert_int_eq(tu_feed(feed, SD, 0, 10), 0);
        ck_assert_int_eq(sltd_db_import_feed(NULL, keeper, feed, 0), 0);
    }
    sltd_db_close(keeper);
    fprintf(stderr, "stress: %d reader processes holding slots killed with SIGKILL (%d reader slots): every later "
                    "reader got in\n", KILLS, SMALL_READERS);
}
END_TEST

int main(void)
{
    const TTest *const tests[] = {
        readers_during_deltas, killed_readers_slots_reclaimed
    };

    return tu_main("stress", ru_env_on("SLTD_SOAK") ? 3600 : 600, setup, teardown, tests, TU_COUNT(tests));
}
