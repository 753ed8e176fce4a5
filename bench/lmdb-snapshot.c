/* SPDX-License-Identifier: Apache-2.0 */
/* lmdb-snapshot.c — whether plain LMDB (no sltd) ever begins a read transaction whose snapshot is newer
 * than its id, and whether the check libsltd makes after each begin (lib/store.c) catches every case.
 *
 *   lmdb-snapshot DIR SECONDS [--check] [--nosync]
 *
 * One thread commits in a loop, each commit writing its own transaction id under one key; eight threads
 * renew read transactions in a loop and read that key: a value other than the read transaction's id
 * is a snapshot that is not its id's own (and a value below the thread's previous one, an answer that
 * went back in time). --check: begin again when a meta page holds a commit newer than id + 1 — the rule
 * of lib/store.c's snapshot_is_its_own, written again here because this program uses LMDB alone (the
 * library's own use of it is tested by test_snapshot). DIR: the environment's directory (made if
 * missing). Prints the counts; exit status 0 when no read saw another snapshot, 1 when one did, 2 on
 * bad usage or an LMDB error. */
#include <lmdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

enum { READERS = 8 };

static MDB_env *env;
static MDB_dbi dbi;
static int check;
static _Atomic int done, failed;
static _Atomic long reads, retries, foreign, backwards;

static const MDB_val key = { 2, "id" };

static void *reader(void *arg)
{
    MDB_txn *txn;
    MDB_envinfo info;
    MDB_val v;
    size_t seen, prev = 0;
    int rc;

    (void)arg;
    if (mdb_txn_begin(env, NULL, MDB_RDONLY, &txn) != 0) {
        atomic_store(&failed, 1);
        return NULL;
    }
    mdb_txn_reset(txn);
    while (!atomic_load(&done)) {
        if (mdb_txn_renew(txn) != 0) {
            atomic_store(&failed, 1);
            break;
        }
        if (check) {
            atomic_thread_fence(memory_order_acquire);
            mdb_env_info(env, &info);
            if (info.me_last_txnid > mdb_txn_id(txn) + 1) {
                atomic_fetch_add(&retries, 1);
                mdb_txn_reset(txn);
                continue;
            }
        }
        seen = 0;
        if ((rc = mdb_get(txn, dbi, (MDB_val *)&key, &v)) == 0 && v.mv_size == sizeof seen)
            memcpy(&seen, v.mv_data, sizeof seen);
        else if (rc != MDB_NOTFOUND)
            atomic_store(&failed, 1);
        if (rc == 0 && seen != mdb_txn_id(txn))
            atomic_fetch_add(&foreign, 1);
        if (seen < prev)
            atomic_fetch_add(&backwards, 1);
        prev = seen;
        atomic_fetch_add_explicit(&reads, 1, memory_order_relaxed);
        mdb_txn_reset(txn);
    }
    mdb_txn_abort(txn);
    return NULL;
}

int main(int argc, char **argv)
{
    pthread_t th[READERS];
    unsigned flags = MDB_NOTLS;
    long commits = 0;
    time_t end;
    MDB_txn *w;
    int i, secs, rc;

    for (i = 3; i < argc; i++) {
        if (strcmp(argv[i], "--check") == 0)
            check = 1;
        else if (strcmp(argv[i], "--nosync") == 0)
            flags |= MDB_NOSYNC;
        else
            argc = 0;
    }
    if (argc < 3 || (secs = atoi(argv[2])) <= 0) {
        fputs("usage: lmdb-snapshot DIR SECONDS [--check] [--nosync]\n", stderr);
        return 2;
    }
    mkdir(argv[1], 0700); /* (mdb_env_open says so if it is not there after all) */
    if ((rc = mdb_env_create(&env)) != 0 || (rc = mdb_env_set_maxreaders(env, 2 * READERS)) != 0 ||
        (rc = mdb_env_set_mapsize(env, (size_t)1 << 30)) != 0 ||
        (rc = mdb_env_open(env, argv[1], flags, 0644)) != 0 || (rc = mdb_txn_begin(env, NULL, 0, &w)) != 0 ||
        (rc = mdb_dbi_open(w, NULL, 0, &dbi)) != 0 || (rc = mdb_txn_commit(w)) != 0) {
        fprintf(stderr, "lmdb-snapshot: %s: %s\n", argv[1], mdb_strerror(rc));
        return 2;
    }
    for (i = 0; i < READERS; i++)
        pthread_create(&th[i], NULL, reader, NULL);
    for (end = time(NULL) + secs; time(NULL) < end && !atomic_load(&failed); commits++) {
        size_t id;
        MDB_val v = { sizeof id, &id };
        if ((rc = mdb_txn_begin(env, NULL, 0, &w)) != 0)
            break;
        id = mdb_txn_id(w);
        if ((rc = mdb_put(w, dbi, (MDB_val *)&key, &v, 0)) != 0 || (rc = mdb_txn_commit(w)) != 0)
            break;
    }
    atomic_store(&done, 1);
    for (i = 0; i < READERS; i++)
        pthread_join(th[i], NULL);
    mdb_env_close(env);
    if (rc != 0 || atomic_load(&failed)) {
        fprintf(stderr, "lmdb-snapshot: %s\n", rc != 0 ? mdb_strerror(rc) : "a reader failed");
        return 2;
    }
    printf("%s%s: %ld commits, %ld reads; snapshot not its id's own: %ld; went back: %ld; begun again: %ld\n",
           check ? "with the check" : "plain LMDB", flags & MDB_NOSYNC ? " (MDB_NOSYNC)" : "", commits,
           atomic_load(&reads), atomic_load(&foreign), atomic_load(&backwards), atomic_load(&retries));
    return atomic_load(&foreign) != 0 || atomic_load(&backwards) != 0;
}
