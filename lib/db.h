/* db.h — the handle, shared by db.c (open, lookups, stats) and import.c (updates). */
#ifndef SLTD_DB_H
#define SLTD_DB_H

#include <pthread.h>
#include <stdatomic.h>
#include <sys/types.h>

#include "bloom.h"
#include "keyfile.h"
#include "sltd.h"
#include "store.h"

#define SLTD__FORMAT_VERSION 2 /* 2: records in the unnamed database */

/* Meta names (values big-endian). */
#define META_FORMAT "format"       /* u32 */
#define META_KEY_CHECK "key_check" /* 16 bytes */
#define META_RECORDS "records"     /* u64 */
#define META_DOCUMENTS "documents" /* u64 */
#define META_SEQUENCE "sequence"   /* u64 */
#define META_PRODUCED "produced"   /* i64 */
#define META_EXPIRES "expires"     /* i64 */
#define META_CHECKSUM "checksum"   /* 16 bytes */
#define META_FILTER_ID "filter_id" /* 16 bytes */

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

void sltd__put_u64(uint8_t out[8], uint64_t v);
uint64_t sltd__get_u64(const uint8_t in[8]);
/* Read a u64 meta value (0 when absent). */
int sltd__meta_u64(sltd__txn *t, const char *name, uint64_t *out);

#endif
