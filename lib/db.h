/* db.h — the handle, shared by db.c (open, lookups, stats) and import.c (updates). */
#ifndef SLTD_DB_H
#define SLTD_DB_H

#include <pthread.h>
#include <stdatomic.h>
#include <sys/types.h>

#include "bloom.h"
#include "keyfile.h"
#include "meta.h"
#include "sltd.h"
#include "store.h"

struct sltd_db {
    char *dir;
    char *filter_path;
    unsigned flags;
    unsigned bits_per_key;
    unsigned long fork_gen;
    dev_t dev;
    ino_t ino;
    sltd__keys *keys;
    sltd__store *store;
    _Atomic(sltd__bloom *) bloom;  /* NULL: bypass (every lookup reads LMDB) */
    _Atomic uint64_t bypass_txnid; /* in bypass: the transaction at which attaching last failed */
    sltd__bloom *retired;          /* mappings replaced while open; unmapped at close */
    pthread_mutex_t lock;          /* attach, rebuild, the retired list */
    /* Freshness of the committed data, for every answer (misses do not read LMDB): refreshed when
     * LMDB's last transaction id moves; a seqlock so readers never block. */
    _Atomic uint64_t fresh_seq, fresh_txnid, fresh_sequence;
    _Atomic int64_t fresh_produced, fresh_expires;
    pthread_mutex_t fresh_lock;
    struct sltd_db *next_open;
};

/* 0, or SLTD_EFORK / SLTD_EINVAL. */
int sltd__db_usable(const sltd_db *db);

/* Rebuild the filter from the records visible in the write transaction w, sized for `capacity`
 * documents, and make it the database's filter (meta filter_id is written in w). */
int sltd__db_rebuild_filter(sltd_db *db, sltd__txn *w, uint64_t capacity);
/* The filter a writer must update in transaction w (remapped if another process rebuilt it);
 * NULL means none could be attached, and w must then rebuild it. */
sltd__bloom *sltd__db_writer_filter(sltd_db *db, sltd__txn *w);

/* The filter a lookup uses now, or NULL (bypass: read LMDB). Never blocks. */
sltd__bloom *sltd__db_lookup_filter(sltd_db *db);
/* Open-time filter set-up: attach, or rebuild when this handle may write. */
int sltd__db_open_filter(sltd_db *db);

#endif
